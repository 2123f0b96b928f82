import { describe, expect, it } from 'vitest';
import { etaSeconds, smoothSeries } from '../../../src/lib/train/smoothing.ts';

describe('smoothSeries', () => {
  it('is debiased: a constant series stays constant', () => {
    expect(smoothSeries([2, 2, 2], 0.9).map((v) => +v.toFixed(12))).toEqual([2, 2, 2]);
  });

  it('matches the hand computation with weight 0.5', () => {
    // s1 = 0.5·4 = 2 → 2/(1−0.5) = 4; s2 = 0.5·2 + 0.5·2 = 2 → 2/0.75 = 2.666…
    expect(smoothSeries([4, 2], 0.5)).toEqual([4, 2 / 0.75]);
  });
});

describe('etaSeconds', () => {
  it('multiplies the mean of the recent steps by the steps left', () => {
    expect(etaSeconds([10, 1, 3], 5, 2)).toBe(10);
    expect(etaSeconds([], 5)).toBeNull();
  });
});
