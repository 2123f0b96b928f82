import { describe, expect, it } from 'vitest';
import { evaluateRankings } from '../../../src/lib/eval/metrics.ts';
import { rerankRankings, type RerankScorer } from '../../../src/lib/eval/rerank.ts';
import type { RetrievalTask } from '../../../src/lib/eval/retrieval.ts';

/** A cross-encoder stand-in: a fixed score per document text. */
const scorer = (byText: Record<string, number>): RerankScorer => ({
  async predict(pairs) {
    return { scores: pairs.map((p) => Float32Array.of(byText[p.document])) };
  },
});

const task: RetrievalTask = {
  corpus: ['d1', 'd2', 'd3', 'd4'].map((id) => ({ id, text: `text ${id}` })),
  queries: [{ id: 'q', text: 'query' }],
  relevant: new Map([['q', new Set(['d2'])]]),
};
// The bi-encoder ranks d1, d2, d3, d4; the cross-encoder prefers d2 (0.9) to d1 (0.5), d3 0.75.
const bi = new Map([
  [
    'q',
    [
      { docId: 'd1', score: 0.8 },
      { docId: 'd2', score: 0.7 },
      { docId: 'd3', score: 0.6 },
      { docId: 'd4', score: 0.5 },
    ],
  ],
]);
const ce = scorer({ 'text d1': 0.5, 'text d2': 0.9, 'text d3': 0.75, 'text d4': 1 });

describe('rerankRankings', () => {
  it('reorders the top k by the cross-encoder and keeps the rest after them in order', async () => {
    const out = await rerankRankings(ce, task, bi, 2);
    // Top 2 (d1, d2) by the cross-encoder: d2 0.9, d1 0.5; then d3, d4 under 0.5.
    expect(out.get('q')!.map((d) => d.docId)).toEqual(['d2', 'd1', 'd3', 'd4']);
    expect(out.get('q')!.map((d) => d.score)).toEqual([0.8999999761581421, 0.5, -0.5, -1.5]);
    // MRR@10: the relevant d2 moves from rank 2 (1/2) to rank 1.
    const before = evaluateRankings(bi, task.relevant);
    const after = evaluateRankings(out, task.relevant);
    expect(before.metrics['mrr@10']).toBe(0.5);
    expect(after.metrics['mrr@10']).toBe(1);
  });

  it('reorders everything when k covers the ranking', async () => {
    const out = await rerankRankings(ce, task, bi, 100);
    expect(out.get('q')!.map((d) => d.docId)).toEqual(['d4', 'd2', 'd3', 'd1']);
  });
});
