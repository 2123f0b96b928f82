import { describe, expect, it } from 'vitest';
import {
  pairedRandomizationTest,
  pairedRandomizationTests,
} from '../../../src/lib/eval/significance.ts';
import { seededUniforms } from '../../support/random.ts';

describe('pairedRandomizationTest', () => {
  it('gives p = 1 for identical systems', () => {
    // every difference is 0, so every flipped sum ties the observed 0: p = (1 + B) / (1 + B)
    const a = seededUniforms(50, 2);
    expect(pairedRandomizationTest(a, [...a])).toEqual({
      meanDifference: 0,
      pValue: 1,
      resamples: 1000,
    });
  });

  it('finds a clearly better system on 50 queries significant', () => {
    // better by 0.3 on 40 queries, worse by 0.1 on 10: Σd = 12 − 1 = 11, while random signs
    // give Σ s·d with sd √(40·0.09 + 10·0.01) ≈ 1.92, so |Σ s·d| ≥ 11 (z ≈ 5.7) essentially
    // never happens and p is the smallest possible value 1 / (1 + 1000)
    const base = seededUniforms(50, 4).map((x) => x / 2);
    const tuned = base.map((x, i) => (i % 5 === 0 ? x - 0.1 : x + 0.3));
    const result = pairedRandomizationTest(base, tuned);
    expect(result.pValue).toBe(1 / 1001);
    expect(result.pValue).toBeLessThan(0.01);
    expect(result.meanDifference).toBeCloseTo(11 / 50, 12);
  });

  it('is two-sided: swapping the systems gives the same p-value', () => {
    const a = seededUniforms(20, 8);
    const b = seededUniforms(20, 9);
    const ab = pairedRandomizationTest(a, b, { seed: 3 });
    const ba = pairedRandomizationTest(b, a, { seed: 3 });
    expect(ba.pValue).toBe(ab.pValue);
    expect(ba.meanDifference).toBeCloseTo(-ab.meanDifference, 15);
  });

  it('gives p near ½ when half of all sign assignments reach the observed sum', () => {
    // d = (1, 1): the four sign patterns give |Σ| = 2, 0, 0, 2, so P(|Σ s·d| ≥ 2) = ½. With
    // B = 4000 resamples the count is binomial, sd √(4000 · ¼) ≈ 32, i.e. p = 0.5 ± 0.008
    const { pValue } = pairedRandomizationTest([0, 0], [1, 1], { resamples: 4000 });
    expect(pValue).toBeGreaterThan(0.47);
    expect(pValue).toBeLessThan(0.53);
  });

  it('repeats its p-value for a seed', () => {
    const a = seededUniforms(30, 12);
    const b = a.map((x, i) => x + (i % 2 ? 0.05 : -0.03));
    const first = pairedRandomizationTest(a, b, { seed: 21 });
    expect(pairedRandomizationTest(a, b, { seed: 21 })).toEqual(first);
    expect(first.pValue).toBeGreaterThan(0.01);
    expect(first.pValue).toBeLessThan(1);
  });

  it('tests several metrics with the same sign flips', () => {
    const a = seededUniforms(30, 13);
    const b = seededUniforms(30, 14);
    const [one, twice] = pairedRandomizationTests(
      [a, a.map((x) => 2 * x)],
      [b, b.map((x) => 2 * x)],
      { seed: 4 },
    );
    // doubling both systems doubles every difference and leaves the test unchanged
    expect(twice.pValue).toBe(one.pValue);
    expect(one).toEqual(pairedRandomizationTest(a, b, { seed: 4 }));
  });

  it('refuses series that do not pair up', () => {
    expect(() => pairedRandomizationTest([1, 2], [1])).toThrow(
      'series 1 has 1 values, expected 2 (one per query)',
    );
    expect(() => pairedRandomizationTests([[1]], [])).toThrow('1 series against 0');
  });
});
