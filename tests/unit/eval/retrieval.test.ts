import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  RetrievalTaskError,
  evaluateRetrieval,
  type Embedder,
  type RetrievalStage,
} from '../../../src/lib/eval/retrieval.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const WORDS = ['password', 'invoice', 'cache', 'upload'];

/** Bag of words over four topics: a text's vector counts each topic word it contains. */
const bagOfWords: Embedder = {
  embed: async (texts, options) => {
    options.onProgress?.(texts.length, texts.length);
    return texts.map(
      (text) => new Float32Array(WORDS.map((w) => text.split(' ').filter((t) => t === w).length)),
    );
  },
};

const task = {
  corpus: [
    { id: 'd1', text: 'password reset' },
    { id: 'd2', text: 'invoice invoice' },
    { id: 'd3', text: 'cache' },
    { id: 'd4', text: 'password cache' },
  ],
  queries: [
    { id: 'q1', text: 'password' },
    { id: 'q2', text: 'cache' },
    { id: 'q3', text: 'upload' },
  ],
  relevant: new Map([
    ['q1', new Set(['d4'])],
    ['q2', new Set(['d3', 'd4'])],
    ['q3', new Set<string>()],
  ]),
};

describe('evaluateRetrieval', () => {
  it('embeds, ranks the corpus by cosine and scores the rankings', async () => {
    const stages: [RetrievalStage, number, number][] = [];
    const result = await evaluateRetrieval(bagOfWords, task, {
      onProgress: (stage, done, total) => stages.push([stage, done, total]),
    });
    // q1 = (1,0,0,0): cos with d1 = 1, d4 = (1,0,1,0) → 1/√2, d2 and d3 → 0 (tie: corpus order)
    expect(result.rankings.get('q1')!.map((h) => h.docId)).toEqual(['d1', 'd4', 'd2', 'd3']);
    expect(result.rankings.get('q1')![1].score).toBeCloseTo(Math.SQRT1_2, 6);
    // q2 = (0,0,1,0): d3 = 1, d4 = 1/√2
    expect(result.rankings.get('q2')!.map((h) => h.docId)).toEqual(['d3', 'd4', 'd1', 'd2']);
    // q1: relevant d4 at rank 2 → MRR ½; q2: d3, d4 at ranks 1, 2 → MRR 1; q3 dropped
    expect(result.dropped).toEqual(['q3']);
    expect(result.metrics['mrr@10']).toBe(0.75);
    expect(result.perQuery.get('q2')!.values['ndcg@10']).toBe(1);
    expect(stages).toEqual([
      ['corpus', 4, 4],
      ['queries', 3, 3],
      ['search', 4, 4],
    ]);
  });

  it('refuses an empty corpus and an empty query list', async () => {
    await expect(evaluateRetrieval(bagOfWords, { ...task, corpus: [] })).rejects.toThrow(
      new RetrievalTaskError('the corpus has no documents'),
    );
    await expect(evaluateRetrieval(bagOfWords, { ...task, queries: [] })).rejects.toThrow(
      'there are no queries to evaluate',
    );
  });
});
