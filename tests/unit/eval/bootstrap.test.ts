import { describe, expect, it } from 'vitest';
import {
  ResamplingError,
  bootstrapCi,
  bootstrapCis,
  quantile,
} from '../../../src/lib/eval/bootstrap.ts';
import { seededUniforms } from '../../support/random.ts';

describe('quantile', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    // h = (4 − 1) · 0.25 = 0.75 → 1 + 0.75 · (2 − 1)
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    // h = 3 · 0.975 = 2.925 → 3 + 0.925 · (4 − 3)
    expect(quantile([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 15);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([7], 0.5)).toBe(7);
  });
});

describe('bootstrapCi', () => {
  it('collapses to the value when the metric is the same on every query', () => {
    const ci = bootstrapCi(new Array(40).fill(0.25));
    expect(ci).toEqual({ mean: 0.25, lower: 0.25, upper: 0.25, level: 0.95 });
  });

  it('contains the mean of the values', () => {
    const values = seededUniforms(50, 7);
    const ci = bootstrapCi(values, { resamples: 2000, seed: 3 });
    expect(ci.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 50, 15);
    expect(ci.lower).toBeLessThan(ci.mean);
    expect(ci.upper).toBeGreaterThan(ci.mean);
    // uniform [0, 1): sd 1/√12 ≈ 0.289, standard error over 50 ≈ 0.041, so the 95% interval
    // spans about 2 · 1.96 · 0.041 ≈ 0.16
    expect(ci.upper - ci.lower).toBeGreaterThan(0.12);
    expect(ci.upper - ci.lower).toBeLessThan(0.2);
  });

  it('spans [0, 1] for the values 0 and 1', () => {
    // resampled means are 0, ½, 1 with probability ¼, ½, ¼: the 2.5% quantile falls among the
    // ~250 zeros and the 97.5% quantile among the ~250 ones
    expect(bootstrapCi([0, 1], { resamples: 1000, seed: 1 })).toEqual({
      mean: 0.5,
      lower: 0,
      upper: 1,
      level: 0.95,
    });
  });

  it('gives the same interval for the same seed and another for another seed', () => {
    const values = seededUniforms(30, 11);
    expect(bootstrapCi(values, { seed: 5 })).toEqual(bootstrapCi(values, { seed: 5 }));
    expect(bootstrapCi(values, { seed: 5 }).lower).not.toBe(bootstrapCi(values, { seed: 6 }).lower);
  });

  it('widens with the level', () => {
    const values = seededUniforms(30, 11);
    const ci90 = bootstrapCi(values, { level: 0.9 });
    const ci99 = bootstrapCi(values, { level: 0.99 });
    expect(ci99.lower).toBeLessThan(ci90.lower);
    expect(ci99.upper).toBeGreaterThan(ci90.upper);
  });
});

describe('bootstrapCis', () => {
  it('resamples every series with the same queries', () => {
    const a = seededUniforms(25, 1);
    const shifted = a.map((x) => x + 2);
    const [ci, ciShifted] = bootstrapCis([a, shifted], { seed: 9 });
    // same resampled indices → every resampled mean moves by exactly 2 (up to rounding)
    expect(ciShifted.lower - ci.lower).toBeCloseTo(2, 12);
    expect(ciShifted.upper - ci.upper).toBeCloseTo(2, 12);
    // and one series alone draws the same resamples
    expect(bootstrapCi(a, { seed: 9 })).toEqual(ci);
  });

  it('names what is wrong with its input', () => {
    expect(() => bootstrapCis([[1, 2], [1]])).toThrow(
      new ResamplingError('series 1 has 1 values, expected 2 (one per query)'),
    );
    expect(() => bootstrapCi([])).toThrow('resampling needs at least one query');
    expect(() => bootstrapCi([1], { resamples: 0 })).toThrow(
      'resamples must be a positive integer, got 0',
    );
    expect(() => bootstrapCi([1], { level: 1 })).toThrow('level must be in (0, 1), got 1');
  });
});
