import { describe, expect, it } from 'vitest';
import {
  binaryJudgements,
  compareCodePoints,
  evaluateTrec,
  trecOrder,
  trecQueryMeasures,
  TrecError,
} from '../../../src/lib/eval/trec.ts';

const log2 = Math.log2;

describe('trecOrder', () => {
  it('sorts by score descending and breaks ties by document id descending', () => {
    const hits = [
      { docId: 'd1', score: 0.5 },
      { docId: 'd3', score: 0.5 },
      { docId: 'd2', score: 0.9 },
      { docId: 'd10', score: 0.5 },
    ];
    // "d3" > "d10" > "d1" in byte order
    expect(trecOrder(hits).map((h) => h.docId)).toEqual(['d2', 'd3', 'd10', 'd1']);
  });

  it('compares ids by code point, as strcmp compares UTF-8 bytes', () => {
    // U+FF21 (3 UTF-8 bytes) sorts before U+1F600 (4 bytes), though its UTF-16 unit is larger
    expect(compareCodePoints('\uFF21', '\u{1F600}')).toBeLessThan(0);
    expect('\uFF21' < '\u{1F600}').toBe(false);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
  });
});

describe('trecQueryMeasures', () => {
  it('uses the grade as a linear gain and every judged grade for the ideal', () => {
    // ranked grades: 3, unjudged, 0, 1; judged: 3, 1, 2, 0 (the grade-2 document not retrieved)
    // DCG@10 = 3/log2(2) + 1/log2(5) = 3 + 0.430677 = 3.430677
    // ideal  = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.261860 + 0.5 = 4.761860
    const m = trecQueryMeasures([3, null, 0, 1], [3, 1, 2, 0]);
    expect(m.ndcg_cut_10).toBeCloseTo((3 + 1 / log2(5)) / (3 + 2 / log2(3) + 0.5), 12);
    // relevant = grade ≥ 1: ranks 1 and 4 of 3 relevant judged documents
    expect(m.P_10).toBe(0.2);
    expect(m.recall_100).toBeCloseTo(2 / 3, 15);
    // AP = (1/1 + 2/4) / 3 (all relevant, not min(k, R))
    expect(m.map_cut_100).toBeCloseTo(1.5 / 3, 15);
    expect(m.recip_rank).toBe(1);
  });

  it('counts P_10 over 10 however few documents were retrieved, and recip_rank has no cut-off', () => {
    const grades: (number | null)[] = Array.from({ length: 40 }, () => null);
    grades[24] = 2;
    const m = trecQueryMeasures(grades, [2]);
    expect(m.P_10).toBe(0);
    expect(m.ndcg_cut_10).toBe(0);
    expect(m.recip_rank).toBe(1 / 25);
    expect(m.recall_100).toBe(1);
    expect(m.map_cut_100).toBe(1 / 25);
    expect(trecQueryMeasures([1], [1]).P_10).toBe(0.1);
  });

  it('cuts nDCG and its ideal at 10 and map/recall at 100', () => {
    // twelve grade-1 documents judged, all ranked first: DCG@10 = ideal@10, so nDCG is 1
    const twelve = Array.from({ length: 12 }, () => 1);
    expect(trecQueryMeasures(twelve, twelve).ndcg_cut_10).toBeCloseTo(1, 15);
    const deep: (number | null)[] = Array.from({ length: 101 }, () => null);
    deep[100] = 1;
    const m = trecQueryMeasures(deep, [1]);
    expect(m.recall_100).toBe(0);
    expect(m.map_cut_100).toBe(0);
    expect(m.recip_rank).toBe(1 / 101);
  });

  it('gives a query judged only with grade 0 zero on every measure (trec_eval keeps it)', () => {
    expect(trecQueryMeasures([0, null], [0, 0])).toEqual({
      ndcg_cut_10: 0,
      P_10: 0,
      recall_100: 0,
      map_cut_100: 0,
      recip_rank: 0,
    });
  });
});

describe('evaluateTrec', () => {
  const judgements = new Map([
    [
      'q1',
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    ],
    ['q2', new Map([['c', 0]])],
  ]);

  it('averages over every judged query, including one with nothing relevant, in trec order', () => {
    const rankings = new Map([
      // equal scores: b before a (document id descending), so b (grade 2) ranks first
      [
        'q1',
        [
          { docId: 'a', score: 0.7 },
          { docId: 'b', score: 0.7 },
        ],
      ],
      ['q2', [{ docId: 'c', score: 0.1 }]],
      // not judged: ignored, as trec_eval ignores run queries the qrels lack
      ['q3', [{ docId: 'a', score: 1 }]],
    ]);
    const result = evaluateTrec(rankings, judgements);
    expect([...result.perQuery.keys()]).toEqual(['q1', 'q2']);
    // q1: ideal order b, a → nDCG 1; q2: 0
    expect(result.perQuery.get('q1')!.values.ndcg_cut_10).toBeCloseTo(1, 15);
    expect(result.metrics.ndcg_cut_10).toBeCloseTo(0.5, 15);
    expect(result.metrics.recip_rank).toBe(0.5);
    expect(result.metrics.P_10).toBeCloseTo(0.1, 15);
  });

  it('refuses a judged query without results, as trec_eval does', () => {
    expect(() => evaluateTrec(new Map([['q1', []]]), judgements)).toThrow(TrecError);
    expect(() => evaluateTrec(new Map([['q1', []]]), judgements)).toThrow(/q2/);
  });

  it('reads relevant sets as grade-1 judgements', () => {
    expect(binaryJudgements(new Map([['q', new Set(['x', 'y'])]]))).toEqual(
      new Map([
        [
          'q',
          new Map([
            ['x', 1],
            ['y', 1],
          ]),
        ],
      ]),
    );
  });
});
