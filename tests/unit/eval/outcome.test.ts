import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricKeys } from '../../../src/lib/eval/metrics.ts';
import { evaluationOutcome } from '../../../src/lib/eval/outcome.ts';
import { evaluateRetrieval, type Embedder } from '../../../src/lib/eval/retrieval.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** An embedder that looks each text up in a table (unknown texts embed as zero). */
function tableEmbedder(table: Record<string, number[]>, dim: number): Embedder {
  return {
    embed: async (texts) => texts.map((t) => new Float32Array(table[t] ?? new Array(dim).fill(0))),
  };
}

const task = {
  corpus: [
    { id: 'd0', text: 'password reset' },
    { id: 'd1', text: 'invoice invoice' },
    { id: 'd2', text: 'cache miss' },
    { id: 'd3', text: 'password cache' },
  ],
  queries: [
    { id: 'q0', text: 'password' },
    { id: 'q1', text: 'cache' },
    { id: 'q2', text: 'upload' },
  ],
  relevant: new Map([
    ['q0', new Set(['d3'])],
    ['q1', new Set(['d2'])],
  ]),
};

// Base: bag of words over (password, invoice, cache).
const base = tableEmbedder(
  {
    password: [1, 0, 0],
    cache: [0, 0, 1],
    'password reset': [1, 0, 0],
    'invoice invoice': [0, 2, 0],
    'cache miss': [0, 0, 1],
    'password cache': [1, 0, 1],
  },
  3,
);
// Tuned: 2-d vectors chosen so that q0 improves and q1 regresses.
const tuned = tableEmbedder(
  {
    password: [1, 0],
    cache: [0, 1],
    'password reset': [0.6, 0.8],
    'invoice invoice': [-1, 0],
    'cache miss': [0.8, 0.6],
    'password cache': [1, 0],
  },
  2,
);

const NDCG_RANK_2 = 1 / Math.log2(3);

describe('evaluationOutcome', () => {
  it('lays out both systems per metric and per query, with top lists and the report', async () => {
    const outcome = evaluationOutcome({
      task,
      dataset: { name: 'support', split: 'eval' },
      base: { name: 'hub:org/model@main', result: await evaluateRetrieval(base, task) },
      tuned: { name: 'run:r@6', result: await evaluateRetrieval(tuned, task) },
    });
    expect(outcome.dataset).toEqual({
      name: 'support',
      documents: 4,
      queries: 3,
      evaluated: 2,
      dropped: 1,
    });
    expect(outcome.systems).toEqual({ base: 'hub:org/model@main', tuned: 'run:r@6' });

    // q0, base: d0 (cos 1), d3 (1/√2), then d1, d2 (0, corpus order): relevant d3 at rank 2.
    // q0, tuned: d3 (1), d2 (0.8), d0 (0.6), d1 (−1): rank 1.
    // q1, base: d2 (1), d3 (1/√2): rank 1. q1, tuned: d0 (0.8), d2 (0.6): rank 2.
    const [q0, q1] = outcome.queries;
    expect(outcome.queries.map((q) => q.id)).toEqual(['q0', 'q1']);
    expect(q0.text).toBe('password');
    expect(q0.relevant).toEqual(['d3']);
    expect(q0.base.firstRelevantRank).toBe(2);
    expect(q0.tuned!.firstRelevantRank).toBe(1);
    expect(q1.base.firstRelevantRank).toBe(1);
    expect(q1.tuned!.firstRelevantRank).toBe(2);
    expect(q0.base.ndcg10).toBeCloseTo(NDCG_RANK_2, 12);
    expect(q0.change).toBeCloseTo(1 - NDCG_RANK_2, 12);
    expect(q1.change).toBeCloseTo(NDCG_RANK_2 - 1, 12);
    expect(q0.base.top.map((h) => [h.docId, h.relevant])).toEqual([
      ['d0', false],
      ['d3', true],
      ['d1', false],
      ['d2', false],
    ]);
    expect(q0.base.top[1].score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(q1.tuned!.top.map((h) => h.docId)).toEqual(['d0', 'd2', 'd1', 'd3']);
    expect(outcome.documents).toEqual({
      d0: 'password reset',
      d1: 'invoice invoice',
      d2: 'cache miss',
      d3: 'password cache',
    });

    // One query up by as much as the other went down: equal means, and every sign flip of
    // (+a, −a) sums to at least |0|, so p = (1 + B) / (1 + B) = 1.
    const ndcg = outcome.metrics.find((m) => m.key === 'ndcg@10')!;
    expect(ndcg.base.mean).toBeCloseTo((NDCG_RANK_2 + 1) / 2, 12);
    expect(ndcg.tuned!.mean).toBeCloseTo((NDCG_RANK_2 + 1) / 2, 12);
    expect(ndcg.difference!.mean).toBeCloseTo(0, 12);
    expect(ndcg.pValue).toBe(1);
    // Two queries: a resample's mean is one of three values, and a quarter of the resamples
    // take each extreme, so the 2.5% and 97.5% quantiles are the extremes.
    expect(ndcg.base.lower).toBeCloseTo(NDCG_RANK_2, 12);
    expect(ndcg.base.upper).toBe(1);
    // Every reference metric, in report order (metrics.test.ts spells the list out).
    expect(outcome.metrics.map((m) => m.key)).toEqual(metricKeys());

    const { report } = outcome;
    expect(report.model).toBe('hub:org/model@main');
    expect(report['mrr@10']).toBe(0.75);
    expect(report.compare!.model).toBe('run:r@6');
    expect(report.compare!['mrr@10']).toBe(0.75);
    expect(report.comparison!['ndcg@10'].pValue).toBe(1);
    expect(report.perQuery.q0.firstRelevantRank).toBe(2);
    expect(report.dataset).toEqual({
      name: 'support',
      split: 'eval',
      documents: 4,
      queries: 3,
      evaluated: 2,
      dropped: ['q2'],
      missingDocIds: [],
    });
    expect(report.resampling).toEqual({ resamples: 1000, seed: 0, level: 0.95 });
    // The outcome crosses a worker boundary by structured clone, unchanged.
    expect(structuredClone(outcome)).toEqual(outcome);
  });

  it('evaluates the base alone: intervals without a difference or a p-value', async () => {
    const outcome = evaluationOutcome({
      task: { ...task, relevant: new Map([...task.relevant, ['q2', new Set(['gone'])]]) },
      dataset: { name: 'support', split: 'eval' },
      base: { name: 'local:m', result: await evaluateRetrieval(base, task) },
      tuned: null,
      resampling: { resamples: 2000, seed: 7 },
    });
    expect(outcome.systems.tuned).toBeNull();
    expect(outcome.metrics.every((m) => m.tuned === null && m.pValue === null)).toBe(true);
    expect(outcome.queries.every((q) => q.tuned === null && q.change === null)).toBe(true);
    expect(outcome.report.compare).toBeUndefined();
    expect(outcome.report.dataset.missingDocIds).toEqual(['gone']);
    expect(outcome.report.resampling).toEqual({ resamples: 2000, seed: 7, level: 0.95 });
  });
});
