import { describe, expect, it } from 'vitest';
import {
  DEFAULT_METRIC_CONFIG,
  NoRelevantQueriesError,
  evaluateRankings,
  maxK,
  metricKeys,
  type ScoredDoc,
} from '../../../src/lib/eval/metrics.ts';

/** Hits d1, d2, … with descending scores, in the order given. */
const ranked = (...ids: string[]): ScoredDoc[] =>
  ids.map((docId, i) => ({ docId, score: 1 - i / 100 }));

const one = (hits: ScoredDoc[], relevant: string[]) => {
  const result = evaluateRankings(new Map([['q', hits]]), new Map([['q', new Set(relevant)]]));
  return { ...result.perQuery.get('q')!, metrics: result.metrics };
};

// 1/log2(i+1) for ranks 1..5
const G1 = 1;
const G2 = 1 / Math.log2(3); // 0.6309297535714575
const G3 = 1 / Math.log2(4); // 0.5
const G4 = 1 / Math.log2(5); // 0.43067655807339306

describe('metricKeys', () => {
  it('lists the reference defaults in report order', () => {
    expect(metricKeys()).toEqual([
      'ndcg@10',
      'mrr@10',
      'map@100',
      'recall@1',
      'recall@3',
      'recall@5',
      'recall@10',
      'precision@1',
      'precision@3',
      'precision@5',
      'precision@10',
      'accuracy@1',
      'accuracy@3',
      'accuracy@5',
      'accuracy@10',
    ]);
    expect(maxK(DEFAULT_METRIC_CONFIG)).toBe(100);
  });
});

describe('evaluateRankings', () => {
  it('scores a query with several relevant documents, one of them never retrieved', () => {
    // ranking d1 d2 d3 d4 d5, relevant {d2, d4, d9}: hits at ranks 2 and 4, |R| = 3
    const r = one(ranked('d1', 'd2', 'd3', 'd4', 'd5'), ['d2', 'd4', 'd9']);
    // DCG@10 = 1/log2(3) + 1/log2(5); ideal over min(3, 10) = 3 ranks: 1 + 1/log2(3) + 1/log2(4)
    // = 1.0616063116448506 / 2.1309297535714578 = 0.4981...
    expect(r.values['ndcg@10']).toBeCloseTo((G2 + G4) / (G1 + G2 + G3), 15);
    expect(r.values['mrr@10']).toBe(1 / 2); // first hit at rank 2
    // AP@100 = (1/2 + 2/4) / min(100, 3) = 1/3
    expect(r.values['map@100']).toBeCloseTo(1 / 3, 15);
    // hits in top 1, 3, 5, 10: 0, 1, 2, 2
    expect(r.values['recall@1']).toBe(0);
    expect(r.values['recall@3']).toBe(1 / 3);
    expect(r.values['recall@5']).toBe(2 / 3);
    expect(r.values['recall@10']).toBe(2 / 3);
    expect(r.values['precision@1']).toBe(0);
    expect(r.values['precision@3']).toBe(1 / 3);
    expect(r.values['precision@5']).toBe(2 / 5);
    expect(r.values['precision@10']).toBe(2 / 10);
    expect(r.values['accuracy@1']).toBe(0);
    expect(r.values['accuracy@3']).toBe(1);
    expect(r.values['accuracy@5']).toBe(1);
    expect(r.values['accuracy@10']).toBe(1);
    expect(r.firstRelevantRank).toBe(2);
    expect(r.numRelevant).toBe(3);
  });

  it('gives zero at every cut-off when the only relevant document is ranked 11th', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `d${i + 1}`);
    const r = one(ranked(...ids), ['d11']);
    for (const key of metricKeys().filter((k) => k !== 'map@100')) expect(r.values[key]).toBe(0);
    // MAP@100 still sees it: (1/11) / min(100, 1)
    expect(r.values['map@100']).toBe(1 / 11);
    expect(r.firstRelevantRank).toBe(11);
  });

  it('reports no first relevant rank when nothing relevant was retrieved', () => {
    const r = one(ranked('d1', 'd2'), ['d3']);
    expect(r.firstRelevantRank).toBeNull();
    expect(r.values['ndcg@10']).toBe(0);
    expect(r.values['map@100']).toBe(0);
  });

  it('orders by score and keeps the given order between equal scores', () => {
    const hits = [
      { docId: 'd', score: 0.1 },
      { docId: 'c', score: 0.5 },
      { docId: 'a', score: 0.9 },
      { docId: 'b', score: 0.5 },
    ];
    // sorted: a 0.9, c 0.5, b 0.5, d 0.1 (c before b: c came first) → c is rank 2
    expect(one(hits, ['c']).values['mrr@10']).toBe(1 / 2);
    expect(one(hits, ['c']).firstRelevantRank).toBe(2);
    // the same tie with b given first puts b at rank 2 and c at rank 3
    const swapped = [hits[0], hits[3], hits[2], hits[1]];
    expect(one(swapped, ['c']).values['mrr@10']).toBe(1 / 3);
    // nDCG with c at rank 3 of one relevant: (1/log2(4)) / 1
    expect(one(swapped, ['c']).values['ndcg@10']).toBe(G3);
  });

  it('divides precision by k even when the corpus is smaller than k', () => {
    // 3 documents only, relevant {d2} at rank 2
    const r = one(ranked('d1', 'd2', 'd3'), ['d2']);
    expect(r.values['precision@5']).toBe(1 / 5);
    expect(r.values['precision@10']).toBe(1 / 10);
    expect(r.values['recall@10']).toBe(1);
    // ideal DCG over min(|R| = 1, 10) = 1 rank
    expect(r.values['ndcg@10']).toBe(G2);
    // (1/2) / min(100, 1)
    expect(r.values['map@100']).toBe(1 / 2);
  });

  it('drops and lists queries without a relevant document, and averages over the rest', () => {
    const rankings = new Map([
      ['q1', ranked('d1', 'd2')],
      ['q-none', ranked('d1', 'd2')],
      ['q2', ranked('d1', 'd2')],
      ['q-unjudged', ranked('d1')],
    ]);
    const qrels = new Map([
      ['q1', new Set(['d1'])],
      ['q-none', new Set<string>()],
      ['q2', new Set(['d2'])],
    ]);
    const r = evaluateRankings(rankings, qrels);
    expect(r.dropped).toEqual(['q-none', 'q-unjudged']);
    expect([...r.perQuery.keys()]).toEqual(['q1', 'q2']);
    // MRR: (1/1 + 1/2) / 2; accuracy@1: (1 + 0) / 2; nDCG@10: (1 + 1/log2(3)) / 2
    expect(r.metrics['mrr@10']).toBe(0.75);
    expect(r.metrics['accuracy@1']).toBe(0.5);
    expect(r.metrics['ndcg@10']).toBe((G1 + G2) / 2);
    expect(Object.keys(r.metrics)).toEqual(metricKeys());
  });

  it('honours custom cut-offs', () => {
    const config = {
      ndcgAtK: [2],
      mrrAtK: [1],
      mapAtK: [3],
      precisionRecallAtK: [2],
      accuracyAtK: [2],
    };
    const r = evaluateRankings(
      new Map([['q', ranked('d1', 'd2', 'd3')]]),
      new Map([['q', new Set(['d2', 'd3'])]]),
      config,
    );
    // hits at ranks 2 and 3, |R| = 2
    // nDCG@2 = (1/log2(3)) / (1 + 1/log2(3)); MRR@1 = 0; AP@3 = (1/2 + 2/3) / min(3, 2)
    expect(r.metrics).toEqual({
      'ndcg@2': G2 / (G1 + G2),
      'mrr@1': 0,
      'map@3': (1 / 2 + 2 / 3) / 2,
      'recall@2': 1 / 2,
      'precision@2': 1 / 2,
      'accuracy@2': 1,
    });
  });

  it('refuses to average over no queries', () => {
    const rankings = new Map([['q', ranked('d1')]]);
    expect(() => evaluateRankings(rankings, new Map())).toThrow(NoRelevantQueriesError);
    expect(() => evaluateRankings(rankings, new Map())).toThrow(/none of the 1 queries/);
  });
});
