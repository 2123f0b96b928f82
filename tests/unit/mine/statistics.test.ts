import { describe, expect, it } from 'vitest';
import { mineHardNegatives } from '../../../src/lib/mine/select.ts';
import { distribution, miningStatistics } from '../../../src/lib/mine/statistics.ts';
import { fromMatrix } from '../../support/mining.ts';

describe('distribution', () => {
  it('gives the mean, sample deviation and linearly interpolated quartiles', () => {
    // [4, 1, 3, 2]: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / (4 − 1) → std
    // √(5/3); quartile positions (n − 1)·p = 0.75, 1.5, 2.25 → 1.75, 2.5, 3.25.
    expect(distribution([4, 1, 3, 2])).toEqual({
      count: 4,
      mean: 2.5,
      std: Math.sqrt(5 / 3),
      min: 1,
      q25: 1.75,
      median: 2.5,
      q75: 3.25,
      max: 4,
    });
  });

  it('is null for no values and has no spread for one', () => {
    expect(distribution([])).toBeNull();
    expect(distribution([0.5])).toMatchObject({ count: 1, std: 0, q25: 0.5, q75: 0.5 });
  });
});

describe('miningStatistics', () => {
  it('summarises positives, kept negatives, their gap and the skipped candidates', () => {
    // Query 0: positive 0.75; candidates 0.5, 0.25 kept. Query 1: positive 0.5; 0.625 beats it.
    const input = fromMatrix(
      ['p0', 'p1', 'a', 'b'],
      [
        [0.75, 0, 0.5, 0.25],
        [0.25, 0.5, 0.125, 0.625],
      ],
      [[0], [1]],
    );
    const result = mineHardNegatives(input, { numNegatives: 2, relativeMargin: 0 });
    const stats = miningStatistics(input, result);
    expect(stats.queries).toBe(2);
    expect(stats.positive).toMatchObject({ count: 2, mean: 0.625, min: 0.5, max: 0.75 });
    // Kept: 0.5 and 0.25 for query 0, 0.25 and 0.125 for query 1.
    expect(stats.negative).toMatchObject({ count: 4, mean: 0.28125, min: 0.125, max: 0.5 });
    // Gaps: 0.25, 0.5 and 0.25, 0.375.
    expect(stats.difference).toMatchObject({ count: 4, mean: 0.34375, min: 0.25, max: 0.5 });
    expect(stats.skipped.relativeMargin).toBe(1);
    expect(stats.skipped.positive).toBe(2);
    // Query 0 has 3 candidates (0.5, 0.25, 0): rangeMax 0 + 2·10 + 1 keeps the whole ranking.
    expect(stats.candidates).toBe(8);
    expect(stats.short).toBe(0);
    expect(stats.rejected).toBe(0);
  });
});
