import { describe, expect, it } from 'vitest';
import { planMining } from '../../../src/lib/mine/options.ts';
import { rescoreForMining, rescores, type PairScorer } from '../../../src/lib/mine/rescore.ts';
import { mineHardNegatives } from '../../../src/lib/mine/select.ts';
import type { TextPair } from '../../../src/lib/model/pair-tokens.ts';
import { fromMatrix } from '../../support/mining.ts';

/** A cross-encoder stand-in with fixed scores per document; it records the pairs it was given. */
function scorer(byDocument: Record<string, number>): PairScorer & { seen: TextPair[] } {
  const seen: TextPair[] = [];
  return {
    labels: 1,
    seen,
    async predict(pairs) {
      seen.push(...pairs);
      return { scores: pairs.map((p) => Float32Array.of(byDocument[p.document])) };
    },
  };
}

// One query, positive "pos" (bi 0.8); the bi-encoder ranks beats 0.9, pos 0.8, a 0.7, b 0.6,
// a (repeat) 0.55, c 0.5, d 0.4. The cross-encoder disagrees: it finds "a" relevant (0.9375, a
// false negative the bi-encoder would have kept) and orders b, c, d as d > c > b. Every score
// is exact in float32.
const corpus = ['pos', 'beats', 'a', 'b', 'a', 'c', 'd'];
const input = fromMatrix(corpus, [[0.8, 0.9, 0.7, 0.6, 0.55, 0.5, 0.4]], [[0]]);
const ce = { pos: 0.5, beats: 0.375, a: 0.9375, b: 0.125, c: 0.25, d: 0.3125 };

describe('rescoreForMining', () => {
  it('scores each distinct window text and the positive once, keeping the bi-encoder scores', async () => {
    const s = scorer(ce);
    // window 5 distinct texts: beats, pos, a, b, (a again), c; d lies past it.
    const out = await rescoreForMining(s, input, ['q'], 5);
    expect(s.seen.map((p) => p.document)).toEqual(['beats', 'pos', 'a', 'b', 'c']);
    expect(out.rankings[0].map((n) => [n.index, n.score])).toEqual([
      [1, 0.375],
      [0, 0.5],
      [2, 0.9375],
      [3, 0.125],
      [4, 0.9375],
      [5, 0.25],
    ]);
    expect(out.positives[0]).toEqual([{ index: 0, score: 0.5 }]);
    expect(out.firstStage).toEqual({
      rankings: [[0.9, 0.8, 0.7, 0.6, 0.55, 0.5]],
      positives: [[0.8]],
    });
  });

  it('refuses a cross-encoder with several labels', async () => {
    await expect(rescoreForMining({ ...scorer(ce), labels: 3 }, input, ['q'], 5)).rejects.toThrow(
      'the cross-encoder has 3 labels; mining needs one relevance score per pair (one label)',
    );
  });

  it('is what the reference runs only with a margin, max_score or min_score', () => {
    expect(rescores(planMining({ relativeMargin: null }, 1))).toBe(false);
    expect(rescores(planMining({ relativeMargin: null, minScore: 0 }, 1))).toBe(true);
    expect(rescores(planMining({}, 1))).toBe(true);
  });
});

describe('mining on cross-encoder scores', () => {
  it('drops by the cross-encoder, orders by it, and shows both scores and the reasons', async () => {
    const rescored = await rescoreForMining(scorer(ce), input, ['q'], 5);
    // relative margin 0.25 on the cross-encoder's positive 0.5: cut 0.5 − 0.5·0.25 = 0.375.
    // "beats" (0.375) is not above it and stays; "a" (0.9375, twice) goes. Survivors by the
    // cross-encoder: beats 0.375, c 0.25, b 0.125; two negatives: beats, c.
    const result = mineHardNegatives(rescored, {
      relativeMargin: 0.2,
      numNegatives: 2,
      rangeMax: 4,
    });
    const [q] = result.queries;
    expect(q.negatives).toEqual([
      { index: 1, score: 0.375, rank: 1, biScore: 0.9 },
      { index: 5, score: 0.25, rank: 6, biScore: 0.5 },
    ]);
    expect(q.positiveScore).toBe(0.5);
    expect(q.positiveBiScore).toBe(0.8);
    expect(q.dropped).toEqual([
      { index: 2, score: 0.9375, rank: 3, biScore: 0.7, reason: 'relativeMargin' },
    ]);
    expect(result.skipped.duplicate).toBe(1);
    // The bi-encoder alone, same options: cut 0.8 − 0.2 = 0.6; beats (0.9) and a (0.7) go, b
    // (0.6) is not above the cut and stays: another choice.
    const bi = mineHardNegatives(input, { relativeMargin: 0.25, numNegatives: 2, rangeMax: 4 });
    expect(bi.queries[0].negatives.map((n) => corpus[n.index])).toEqual(['b', 'c']);
    expect(bi.queries[0].dropped.map((n) => [corpus[n.index], n.reason])).toEqual([
      ['beats', 'relativeMargin'],
      ['a', 'relativeMargin'],
    ]);
    expect(bi.queries[0].negatives[0].biScore).toBeUndefined();
  });
});
