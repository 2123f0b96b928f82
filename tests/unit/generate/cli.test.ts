import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { findDuplicates } from '../../../src/lib/generate/dedupe.ts';
import { rankInRow } from '../../../src/lib/generate/consistency.ts';
import { parseGenerationCorpus } from '../../../src/lib/generate/inputs.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { runCli } from '../../support/cli.ts';
import { FIXTURES, TINY_BERT } from '../model/reference.ts';
import { cosine } from '../../support/vectors.ts';

const CORPUS = `${FIXTURES}generate/corpus.csv`;
const EXAMPLES = `${FIXTURES}generate/examples.txt`;
const GENERATOR = `${FIXTURES}hub/attune-testing/tiny-causal-lm`;
const corpus = parseGenerationCorpus(readFileSync(CORPUS, 'utf8'), 'corpus.csv');

let encoder: SentenceEncoder;
beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = new SentenceEncoder(await loadSentenceModel(directorySource(TINY_BERT)));
});

function generate(out: string, ...extra: string[]) {
  return runCli(
    'generate',
    '--model',
    TINY_BERT,
    '--corpus',
    CORPUS,
    '--examples',
    EXAMPLES,
    '--generator',
    GENERATOR,
    '--out',
    out,
    '--per-doc',
    '2',
    '--temperature',
    '0',
    ...extra,
  );
}

describe('generate command', () => {
  it('writes only unique queries whose own document ranks in the top k, reproducibly when greedy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-generate-'));
    const first = generate(join(dir, 'a.csv'), '--filter-top-k', '2');
    expect(first.stderr).not.toContain('Error');
    expect(first.status).toBe(0);
    const second = generate(join(dir, 'b.csv'), '--filter-top-k', '2');
    const text = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(text);
    expect(second.status).toBe(0);

    const rows = Papa.parse<{ query: string; positive: string }>(text, {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(first.stdout).toContain('generated 12 queries for 6 documents');
    expect(first.stdout).toContain(`kept            ${rows.length}\nwrote ${rows.length} rows`);
    expect(rows.length).toBeGreaterThan(0);
    expect(findDuplicates(rows.map((r) => r.query)).every((v) => v === 'unique')).toBe(true);
    // The consistency filter, checked from scratch: cosine of each kept query with every document.
    const docs = await encoder.embed(corpus);
    const queries = await encoder.embed(rows.map((r) => r.query));
    rows.forEach((row, i) => {
      const own = corpus.indexOf(row.positive);
      expect(own).toBeGreaterThanOrEqual(0);
      expect(
        rankInRow(
          docs.map((d) => cosine(queries[i], d)),
          own,
        ),
      ).toBeLessThanOrEqual(2);
    });
  }, 120_000);

  it('exits 2 naming a corpus file that does not exist', () => {
    const result = runCli(
      'generate',
      '--model',
      TINY_BERT,
      '--corpus',
      EXAMPLES.replace('examples.txt', 'no-such.csv'),
      '--examples',
      EXAMPLES,
      '--generator',
      GENERATOR,
      '--out',
      join(tmpdir(), 'never.csv'),
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('no-such.csv not found');
  });
});
