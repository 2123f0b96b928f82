import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { runCli } from '../../support/cli.ts';
import { FIXTURES, fixturePairs, TINY_BERT } from '../model/reference.ts';
import { cosine } from '../../support/vectors.ts';

const DATA = `${FIXTURES}tiny-bert.pairs.csv`;
const rows = fixturePairs();
/** The fixture's corpus: every positive, then every negative. */
const corpus = [...new Set([...rows.map((r) => r.positive), ...rows.map((r) => r.negative)])];

let encoder: SentenceEncoder;
let embeddings: Map<string, Float32Array>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = new SentenceEncoder(await loadSentenceModel(directorySource(TINY_BERT)));
  const texts = [...new Set([...corpus, ...rows.map((r) => r.query)])];
  const vectors = await encoder.embed(texts);
  embeddings = new Map(texts.map((t, i) => [t, vectors[i]]));
});

/** cos(query, document), computed here from embeddings of each text. */
const score = (query: string, document: string): number =>
  cosine(embeddings.get(query)!, embeddings.get(document)!);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'attune-mine-'));
}

function mine(out: string, ...flags: string[]) {
  return runCli('mine', '--model', TINY_BERT, '--data', DATA, '--out', out, ...flags);
}

/** The output CSV as header + rows of cells, read back with papaparse. */
function readCsv(path: string): { header: string[]; rows: string[][] } {
  const parsed = Papa.parse<string[]>(readFileSync(path, 'utf8'), { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  const [header, ...data] = parsed.data;
  return { header, rows: data };
}

const TOLERANCE = 1e-5;

/**
 * Checks `top` selection against scores computed here: for each fixture query, the documents that
 * pass `eligible` among its top `window` (its positive included); a row is written exactly when
 * there are at least 3, with the 3 best of them.
 */
function expectTopEligible(
  path: string,
  window: number,
  eligible: (score: number, positive: number) => boolean,
) {
  const { header, rows: out } = readCsv(path);
  expect(header).toEqual(['query', 'positive', 'negative_1', 'negative_2', 'negative_3']);
  const written = new Map(out.map((r) => [r[0], r]));
  for (const { query, positive } of rows) {
    const p = score(query, positive);
    const ranked = corpus
      .map((d) => ({ d, s: score(query, d) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, window);
    const candidates = ranked.filter(({ d, s }) => d !== positive && eligible(s, p));
    const row = written.get(query);
    if (candidates.length < 3) {
      expect(row, query).toBeUndefined();
      continue;
    }
    expect(row![1]).toBe(positive);
    const negatives = row!.slice(2);
    expect(negatives).not.toContain(positive);
    negatives.forEach((n, i) =>
      expect(Math.abs(score(query, n) - candidates[i].s), `${query} → ${n}`).toBeLessThan(
        TOLERANCE,
      ),
    );
  }
  return out.length;
}

describe('cli mine', () => {
  it('writes the hardest negatives outside the default 5% relative margin, never a positive', () => {
    const out = join(tempDir(), 'mined.csv');
    const r = mine(out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // rangeMax = 3·10 + 1 positive; window = rangeMax + 1.
    const written = expectTopEligible(out, 32, (s, p) => s <= p - Math.abs(p) * 0.05 + TOLERANCE);
    expect(written).toBeGreaterThan(0);
    expect(r.stdout).toContain(`wrote ${written} rows to ${out} (${24 - written} rows left out`);
    expect(r.stdout).toMatch(/skipped \d+ of 768 candidates \(\d+\.\d+%\): relative_margin/);
  });

  it('respects an absolute margin and a max score, and the file trains', () => {
    const dir = tempDir();
    const out = join(dir, 'mined.csv');
    const r = mine(
      out,
      '--relative-margin',
      'none',
      '--absolute-margin',
      '0.01',
      '--max-score',
      '0.95',
    );
    expect(r.status).toBe(0);
    const written = expectTopEligible(
      out,
      32,
      (s, p) => s + 0.01 <= p + TOLERANCE && s <= 0.95 + TOLERANCE,
    );
    expect(written).toBeGreaterThanOrEqual(8);
    const trained = runCli(
      'train',
      '--model',
      TINY_BERT,
      '--data',
      out,
      '--out',
      join(dir, 'model'),
      '--steps',
      '2',
      '--batch-size',
      '4',
    );
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    expect(trained.stdout).toContain(`training 2 steps on ${written} pairs`);
  });

  it('quotes commas, quotes and line breaks so that the texts read back unchanged', () => {
    const dir = tempDir();
    const data = join(dir, 'quoted.csv');
    const tricky = [
      { query: 'reset, "now"', positive: 'Open the "login" page, then\nreset the password.' },
      { query: 'slow db', positive: ' leading space, trailing space ' },
      ...rows.slice(2).map((r) => ({ query: r.query, positive: r.positive })),
    ];
    writeFileSync(data, Papa.unparse(tricky));
    const out = join(dir, 'mined.csv');
    const r = runCli(
      'mine',
      ...['--model', TINY_BERT, '--data', data, '--out', out, '--relative-margin', 'none'],
    );
    expect(r.status).toBe(0);
    const { rows: mined } = readCsv(out);
    expect(mined.map((m) => [m[0], m[1]])).toEqual(tricky.map((t) => [t.query, t.positive]));
    const positives = new Set(tricky.map((t) => t.positive));
    for (const m of mined) {
      expect(m).toHaveLength(5);
      for (const n of m.slice(2)) expect(positives.has(n)).toBe(true);
      expect(m.slice(2)).not.toContain(m[1]);
    }
  });

  it('samples at random reproducibly with a seed', () => {
    const dir = tempDir();
    const flags = ['--sampling', 'random', '--relative-margin', 'none'];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => join(dir, `${name}.csv`));
    expect(mine(a, ...flags, '--seed', '1').status).toBe(0);
    expect(mine(b, ...flags, '--seed', '1').status).toBe(0);
    expect(mine(c, ...flags, '--seed', '2').status).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).not.toBe(readFileSync(c, 'utf8'));
    // Random picks come from the top rangeMax = 3 + 1 candidates, best first.
    for (const [query, positive, ...negatives] of readCsv(a).rows) {
      const top = corpus
        .filter((d) => d !== positive)
        .sort((x, y) => score(query, y) - score(query, x))
        .slice(0, 4);
      for (const n of negatives) expect(top).toContain(n);
      const scores = negatives.map((n) => score(query, n));
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
    }
  });

  it('refuses options that cannot mine and files it cannot read, naming them', () => {
    const out = join(tempDir(), 'x.csv');
    const zero = mine(out, '--num-negatives', '0');
    expect(zero.status).toBe(64);
    expect(zero.stderr).toBe('mine: --num-negatives must be an integer ≥ 1, got 0\n');
    const sampling = mine(out, '--sampling', 'best');
    expect(sampling.status).toBe(64);
    expect(sampling.stderr).toBe('mine: --sampling expects top or random, got "best"\n');
    const missing = mine(out, '--corpus', '/nonexistent/corpus.txt');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('mine: /nonexistent/corpus.txt not found\n');
  });
});
