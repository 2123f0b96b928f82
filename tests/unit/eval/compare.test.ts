import { describe, expect, it } from 'vitest';
import { compareSystems, metricIntervals } from '../../../src/lib/eval/compare.ts';
import { evaluateRankings } from '../../../src/lib/eval/metrics.ts';
import { qrels, ranked, system } from './ranked-systems.ts';

describe('compareSystems', () => {
  it('reports p = 1 and a zero difference for the same system twice', () => {
    const base = system((i) => (i % 3) + 1);
    const result = compareSystems(
      base,
      system((i) => (i % 3) + 1),
    );
    expect(result['mrr@10'].pValue).toBe(1);
    expect(result['mrr@10'].difference).toEqual({ mean: 0, lower: 0, upper: 0, level: 0.95 });
    expect(Object.keys(result)).toEqual(Object.keys(base.metrics));
  });

  it('puts the intervals of each system and of the paired difference side by side', () => {
    // base finds the relevant document at rank 3 for every query, tuned at rank 1 for 20 of
    // them: MRR 1/3 vs (20·1 + 10·⅓)/30 = 7/9, difference 4/9
    const base = system(() => 3);
    const tuned = system((i) => (i < 20 ? 1 : 3));
    const result = compareSystems(base, tuned, { seed: 1 });
    const mrr = result['mrr@10'];
    expect(mrr.base).toEqual({ mean: 1 / 3, lower: 1 / 3, upper: 1 / 3, level: 0.95 });
    expect(mrr.tuned.mean).toBeCloseTo(7 / 9, 15);
    expect(mrr.difference.mean).toBeCloseTo(4 / 9, 15);
    expect(mrr.difference.lower).toBeGreaterThan(0);
    expect(mrr.pValue).toBe(1 / 1001);
    // the tuned interval comes from the same resamples as a standalone one
    expect(mrr.tuned).toEqual(metricIntervals(tuned, { seed: 1 })['mrr@10']);
    // accuracy@3 is 1 for both: nothing to test
    expect(result['accuracy@3'].pValue).toBe(1);
  });

  it('refuses systems evaluated on different queries', () => {
    const fewer = evaluateRankings(new Map([['q0', ranked('r0')]]), qrels);
    expect(() =>
      compareSystems(
        system(() => 1),
        fewer,
      ),
    ).toThrow('30 evaluated queries vs 1: compare on the same queries');
  });
});
