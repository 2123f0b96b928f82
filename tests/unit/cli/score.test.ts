import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { maxAbsDiff } from '../kernels/routes.ts';
import {
  crossReference,
  TINY_CROSS_ENCODER,
  type CrossEncoderRun,
} from '../model/cross-encoder-reference.ts';
import { TINY_BERT } from '../model/reference.ts';

function pairsFile(run: CrossEncoderRun): { dir: string; pairs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-score-'));
  const pairs = join(dir, 'pairs.jsonl');
  writeFileSync(pairs, run.pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  return { dir, pairs };
}

/** `score` on `run`'s pairs; its default max_length is the fixture's 64, the 12 run passes it. */
function score(run: CrossEncoderRun, ...extra: string[]) {
  const { dir, pairs } = pairsFile(run);
  const out = join(dir, 'scores.json');
  const length = run.max_length === 64 ? [] : ['--max-length', String(run.max_length)];
  const r = runCli(
    'score',
    ...['--cross-encoder', TINY_CROSS_ENCODER, '--pairs', pairs, '--out', out],
    ...length,
    ...extra,
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as { scores: number[]; logits: number[] };
}

describe('cli score', () => {
  it('equals CrossEncoder.predict within 1e-5, scores and logits, long pairs cut longest_first', () => {
    for (const run of crossReference.runs) {
      const got = score(run);
      expect(got.scores).toHaveLength(run.pairs.length);
      expect(maxAbsDiff(got.logits, run.logits), `max_length ${run.max_length}`).toBeLessThan(1e-5);
      expect(maxAbsDiff(got.scores, run.scores), `max_length ${run.max_length}`).toBeLessThan(1e-5);
    }
  }, 300_000);

  it('computes the same on webgpu (Dawn)', () => {
    const run = crossReference.runs[0];
    const got = score(run, '--backend', 'webgpu');
    expect(maxAbsDiff(got.logits, run.logits)).toBeLessThan(1e-5);
  }, 300_000);

  it('names the line of a pair without a document, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-score-bad-'));
    const pairs = join(dir, 'pairs.jsonl');
    writeFileSync(pairs, '{"query": "a", "document": "b"}\n\n{"query": "c"}\n');
    const r = runCli(
      'score',
      '--cross-encoder',
      TINY_CROSS_ENCODER,
      '--pairs',
      pairs,
      '--out',
      join(dir, 'o.json'),
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`score: ${pairs}:3: needs string fields "query" and "document"`);
  }, 120_000);

  it('refuses a bi-encoder folder as a cross-encoder, exit 2, naming the file', () => {
    const { dir, pairs } = pairsFile(crossReference.runs[0]);
    const r = runCli(
      'score',
      '--cross-encoder',
      TINY_BERT,
      '--pairs',
      pairs,
      '--out',
      join(dir, 'o.json'),
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `score: ${join(TINY_BERT, 'config.json')}: architectures ["BertModel"] is not a cross-encoder; a reranker is a BertForSequenceClassification`,
    );
  }, 120_000);
});
