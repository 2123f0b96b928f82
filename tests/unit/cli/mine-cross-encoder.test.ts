import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { CrossEncoder } from '../../../src/lib/model/cross-encoder.ts';
import { loadCrossEncoderModel } from '../../../src/lib/model/cross-encoder-folder.ts';
import { runCli } from '../../support/cli.ts';
import { useBackend } from '../kernels/routes.ts';
import { TINY_CROSS_ENCODER } from '../model/cross-encoder-reference.ts';
import { FIXTURES, TINY_BERT } from '../model/reference.ts';

const DATA = `${FIXTURES}tiny-bert.pairs.csv`;

interface Reviewed {
  text: string;
  score: number;
  biScore?: number;
  rank: number;
  reason?: string;
}
interface ReviewQuery {
  query: string;
  positives: { text: string; score: number; biScore?: number }[];
  positiveScore: number;
  negatives: Reviewed[];
  dropped: Reviewed[];
}

/** `mine` on the fixture with relative margin 0.05, with or without the cross-encoder. */
function mine(...extra: string[]): { csv: string[][]; review: ReviewQuery[]; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-mine-ce-'));
  const out = join(dir, 'mined.csv');
  const review = join(dir, 'review.json');
  const r = runCli(
    'mine',
    ...['--model', TINY_BERT, '--data', DATA, '--out', out, '--review', review],
    ...['--relative-margin', '0.05', '--num-negatives', '2', ...extra],
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return {
    csv: Papa.parse<string[]>(readFileSync(out, 'utf8').trim()).data,
    review: JSON.parse(readFileSync(review, 'utf8')),
    stdout: r.stdout,
  };
}

let crossEncoder: CrossEncoder;
beforeAll(async () => {
  await useBackend('cpu');
  crossEncoder = new CrossEncoder(await loadCrossEncoderModel(directorySource(TINY_CROSS_ENCODER)));
});

describe('mine --cross-encoder', () => {
  it('keeps only negatives at most positive − |positive|·0.05 by the cross-encoder, unlike bi-encoder mining', async () => {
    const ce = mine('--cross-encoder', TINY_CROSS_ENCODER);
    const bi = mine();
    expect(ce.stdout).toContain('rescoring the candidates with the cross-encoder');
    expect(ce.csv).not.toEqual(bi.csv);

    // Every score in the review is the cross-encoder's: scored again here, pair by pair.
    const queries = ce.review.filter((q) => q.negatives.length > 0);
    expect(queries.length).toBeGreaterThan(5);
    const pairs = queries.flatMap((q) => [
      { query: q.query, document: q.positives[0].text },
      ...q.negatives.map((n) => ({ query: q.query, document: n.text })),
      ...q.dropped.map((n) => ({ query: q.query, document: n.text })),
    ]);
    const { scores } = await crossEncoder.predict(pairs);
    let at = 0;
    let dropped = 0;
    for (const q of queries) {
      expect(q.positives).toHaveLength(1);
      expect(Math.abs(q.positiveScore - scores[at++][0])).toBeLessThan(1e-5);
      const cut = q.positiveScore - Math.abs(q.positiveScore) * 0.05;
      for (const n of q.negatives) {
        expect(Math.abs(n.score - scores[at++][0])).toBeLessThan(1e-5);
        expect(n.score).toBeLessThanOrEqual(cut);
        expect(n.biScore).toBeTypeOf('number');
      }
      for (const n of q.dropped) {
        expect(Math.abs(n.score - scores[at++][0])).toBeLessThan(1e-5);
        expect(n.score).toBeGreaterThan(cut);
        expect(n.reason).toBe('relativeMargin');
        dropped++;
      }
      // Kept negatives come best first by the cross-encoder's score.
      const kept = q.negatives.map((n) => n.score);
      expect(kept).toEqual([...kept].sort((a, b) => b - a));
    }
    expect(dropped).toBeGreaterThan(0);
    // The CSV holds the kept negatives of the queries that got two.
    for (const q of ce.review.filter((r) => r.negatives.length === 2)) {
      const row = ce.csv.find((r) => r[0] === q.query)!;
      expect(row.slice(2)).toEqual(q.negatives.map((n) => n.text));
    }
    crossEncoder.dispose();
  }, 120_000);
});
