import { describe, expect, it } from 'vitest';
import { DEFAULT_MINING_OPTIONS, planMining } from '../../../src/lib/mine/options.ts';
import { dropReason, miningReview } from '../../../src/lib/mine/review.ts';
import { mineHardNegatives, type MiningInput } from '../../../src/lib/mine/select.ts';

/**
 * One query, rescored: the cross-encoder gives the positive 0.8 and the bi-encoder's top
 * candidate "a" 0.9, above 0.8 − |0.8|·0.05 = 0.76, so "a" is a likely false negative; "b" (0.5)
 * and "c" (0.1) pass. The bi-encoder's own scores ride along in `firstStage`.
 */
const INPUT: MiningInput = {
  corpus: ['p', 'a', 'b', 'c'],
  rankings: [
    [
      { index: 1, score: 0.9 },
      { index: 0, score: 0.8 },
      { index: 2, score: 0.5 },
      { index: 3, score: 0.1 },
    ],
  ],
  positives: [[{ index: 0, score: 0.8 }]],
  firstStage: { rankings: [[0.7, 0.6, 0.65, 0.2]], positives: [[0.6]] },
};

describe('miningReview', () => {
  it('shows both scores of every candidate and why the dropped one was dropped', () => {
    const options = { ...DEFAULT_MINING_OPTIONS, numNegatives: 2 };
    const result = mineHardNegatives(INPUT, options);
    const [review] = miningReview(INPUT, ['q'], result);
    expect(review.positives).toEqual([{ text: 'p', score: 0.8, biScore: 0.6 }]);
    expect(review.negatives).toEqual([
      { text: 'b', score: 0.5, biScore: 0.65, rank: 3 },
      { text: 'c', score: 0.1, biScore: 0.2, rank: 4 },
    ]);
    expect(review.dropped).toEqual([
      {
        text: 'a',
        score: 0.9,
        biScore: 0.7,
        rank: 1,
        reason: 'relativeMargin',
        why: "likely false negative: 0.9000 is above the positive's 0.8000 − |0.8000|·0.05 = 0.7600",
      },
    ]);
  });

  it('words every filter with its numbers', () => {
    const plan = planMining(
      { ...DEFAULT_MINING_OPTIONS, absoluteMargin: 0.1, maxScore: 0.85, minScore: 0.2 },
      1,
    );
    expect(dropReason('absoluteMargin', 0.75, 0.8, plan)).toBe(
      "likely false negative: 0.7500 + 0.1 is above the positive's 0.8000",
    );
    expect(dropReason('maxScore', 0.9, 0.8, plan)).toBe(
      'likely false negative: 0.9000 is above the max score 0.85',
    );
    expect(dropReason('minScore', 0.1, 0.8, plan)).toBe(
      'too easy: 0.1000 is below the min score 0.2',
    );
  });
});
