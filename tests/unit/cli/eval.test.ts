import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { cosine } from '../../support/vectors.ts';

const BASE = 'tests/fixtures/tiny-bert';
const BEIR = 'tests/fixtures/beir';
const work = mkdtempSync(join(tmpdir(), 'attune-eval-'));
const TUNED = join(work, 'tuned');

const cli = (...args: string[]) => runCli('eval', ...args);

const jsonl = (file: string) =>
  readFileSync(`${BEIR}/${file}`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { _id: string; title?: string; text: string });

/**
 * The evaluation written out a second way: a full table of cosine similarities in float64, each
 * query's explicit ranking of the whole corpus, and every metric from the ranks of the relevant
 * documents (rather than by walking the hit list, as the implementation does).
 */
async function independentMetrics(modelDir: string) {
  const docs = jsonl('corpus.jsonl');
  const queries = jsonl('queries.jsonl');
  const judged = new Map<string, Set<string>>();
  for (const line of readFileSync(`${BEIR}/qrels/test.tsv`, 'utf8').trim().split('\n').slice(1)) {
    const [q, d, score] = line.split('\t');
    if (!judged.has(q)) judged.set(q, new Set());
    if (Number(score) > 0) judged.get(q)!.add(d);
  }
  const encoder = new SentenceEncoder(await loadSentenceModel(directorySource(modelDir)));
  const docVectors = await encoder.embed(
    docs.map((d) => (d.title ? `${d.title} ${d.text}` : d.text)),
  );
  const queryVectors = await encoder.embed(queries.map((q) => q.text));
  encoder.dispose();
  const perQuery = new Map<string, Record<string, number>>();
  let smallestGap = Infinity;
  queries.forEach((query, q) => {
    const relevant = judged.get(query._id);
    if (!relevant || relevant.size === 0) return;
    const table = docs
      .map((d, i) => ({ id: d._id, score: cosine(queryVectors[q], docVectors[i]) }))
      .sort((a, b) => b.score - a.score);
    for (let i = 1; i < table.length; i++) {
      smallestGap = Math.min(smallestGap, table[i - 1].score - table[i].score);
    }
    const ranks = [...relevant].map((id) => table.findIndex((row) => row.id === id) + 1);
    const within = (k: number) => ranks.filter((r) => r <= k);
    const R = relevant.size;
    const gain = (r: number) => 1 / Math.log2(r + 1);
    const ideal = (k: number) =>
      Array.from({ length: Math.min(R, k) }, (_, i) => gain(i + 1)).reduce((a, b) => a + b, 0);
    const values: Record<string, number> = {
      'ndcg@10': within(10).reduce((sum, r) => sum + gain(r), 0) / ideal(10),
      'mrr@10': within(10).length ? 1 / Math.min(...within(10)) : 0,
      'map@100': within(100).reduce((sum, r) => sum + within(r).length / r, 0) / Math.min(100, R),
    };
    for (const k of [1, 3, 5, 10]) values[`recall@${k}`] = within(k).length / R;
    for (const k of [1, 3, 5, 10]) values[`precision@${k}`] = within(k).length / k;
    for (const k of [1, 3, 5, 10]) values[`accuracy@${k}`] = within(k).length > 0 ? 1 : 0;
    perQuery.set(query._id, values);
  });
  const mean = (key: string) =>
    [...perQuery.values()].reduce((sum, v) => sum + v[key], 0) / perQuery.size;
  return { perQuery, mean, smallestGap };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  cpSync(BASE, TUNED, { recursive: true });
  copyFileSync('tests/fixtures/tiny-bert.trained.safetensors', join(TUNED, 'model.safetensors'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('eval command', () => {
  it('agrees with the metric definitions applied to an explicit ranking table', async () => {
    const reportPath = join(work, 'report.json');
    const run = cli('--model', BASE, '--beir', BEIR, '--compare', TUNED, '--report', reportPath);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('12 documents, 5 of 6 queries evaluated');
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect(report.dataset).toEqual({
      name: BEIR,
      split: 'test',
      documents: 12,
      queries: 6,
      evaluated: 5,
      dropped: ['q6'],
      missingDocIds: [],
    });

    for (const [system, dir] of [
      [report, BASE],
      [report.compare, TUNED],
    ] as const) {
      const expected = await independentMetrics(dir);
      // float32 search vs float64 table: a float32 cosine of 32-dimensional unit vectors is
      // off by at most ~32·6e-8 ≈ 2e-6, so two scores more than 4e-6 apart rank the same way
      // in both (the closest pair here is 7.6e-6 apart)
      expect(expected.smallestGap).toBeGreaterThan(4e-6);
      expect(system.model).toBe(dir);
      for (const [queryId, values] of expected.perQuery) {
        for (const [key, value] of Object.entries(values)) {
          expect(system.perQuery[queryId][key], `${dir} ${queryId} ${key}`).toBeCloseTo(value, 12);
          expect(system[key], `${dir} ${key}`).toBeCloseTo(expected.mean(key), 12);
        }
      }
      expect(Object.keys(system.perQuery)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);
    }

    const ndcg = report.comparison['ndcg@10'];
    expect(ndcg.base.mean).toBe(report['ndcg@10']);
    expect(ndcg.tuned.mean).toBe(report.compare['ndcg@10']);
    expect(ndcg.difference.mean).toBeCloseTo(report.compare['ndcg@10'] - report['ndcg@10'], 12);
    expect(ndcg.pValue).toBeGreaterThan(0);
    expect(ndcg.pValue).toBeLessThanOrEqual(1);
    // recall@10 is 1 for both models on every query: no difference, p = 1
    expect(report.comparison['recall@10'].pValue).toBe(1);
  });

  it('names a missing qrels file by its path', () => {
    const run = cli('--model', BASE, '--beir', BEIR, '--split', 'train', '--report', 'x.json');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`eval: ${join(BEIR, 'qrels', 'train.tsv')} not found`);
  });

  it('names a malformed BEIR line by file and line number', () => {
    const broken = join(work, 'broken');
    cpSync(BEIR, broken, { recursive: true });
    writeFileSync(join(broken, 'queries.jsonl'), '{"_id": "q1", "text": "login"}\n{"_id": "q2"}\n');
    const run = cli('--model', BASE, '--beir', broken, '--report', join(work, 'x.json'));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `eval: ${join(broken, 'queries.jsonl')}, line 2: missing "text": expected a string`,
    );
  });

  it('refuses a missing flag', () => {
    const run = cli('--model', BASE, '--report', 'x.json');
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('eval: missing --beir');
  });
});
