import { describe, expect, it } from 'vitest';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import {
  chooseEvalQueries,
  evalQueryCount,
  SPLIT_DEFAULTS,
  splitByQuery,
} from '../../../src/lib/data/split.ts';

/** `n` queries with two positives each, so a query-level leak would show. */
function pairs(n: number): TrainingPair[] {
  return Array.from({ length: n }, (_, i) => [
    { query: `query ${i}`, positive: `first answer ${i}`, negatives: [] },
    { query: `query ${i}`, positive: `second answer ${i}`, negatives: [] },
  ]).flat();
}

describe('evalQueryCount', () => {
  it('holds out 10% of queries, at least one, at most 1,000, never all', () => {
    const count = (n: number) => evalQueryCount(n, SPLIT_DEFAULTS);
    expect([0, 1, 2, 9, 14, 15, 250, 10_000, 10_004, 10_005, 50_000].map(count)).toEqual([
      0, 0, 1, 1, 1, 2, 25, 1000, 1000, 1000, 1000,
    ]);
    expect(evalQueryCount(9_994, SPLIT_DEFAULTS)).toBe(999);
    expect(evalQueryCount(10, { ...SPLIT_DEFAULTS, evalFraction: 0 })).toBe(0);
  });
});

describe('splitByQuery', () => {
  const data = pairs(500);

  it('puts every pair of a query on the same side', () => {
    const { train, eval: held, evalQueries } = splitByQuery(data);
    expect(evalQueries.size).toBe(50);
    expect(held.length).toBe(100);
    expect(train.length).toBe(900);
    const trainQueries = new Set(train.map((p) => p.query));
    expect([...evalQueries].filter((q) => trainQueries.has(q))).toEqual([]);
    expect(held.every((p) => evalQueries.has(p.query))).toBe(true);
  });

  it('is the same for the same seed, whatever the row order', () => {
    const a = splitByQuery(data, { seed: 7 }).evalQueries;
    const b = splitByQuery([...data].reverse(), { seed: 7 }).evalQueries;
    expect([...b].sort()).toEqual([...a].sort());
  });

  it('changes with the seed', () => {
    const a = splitByQuery(data, { seed: 1 }).evalQueries;
    const b = splitByQuery(data, { seed: 2 }).evalQueries;
    const shared = [...a].filter((q) => b.has(q)).length;
    // Two independent 10% draws of 500 share about 5 queries; 50 would mean the seed is ignored.
    expect(shared).toBeLessThan(20);
  });

  it('counts each query once, however many rows it has', () => {
    expect(chooseEvalQueries(Array(20).fill('only query')).size).toBe(0);
    expect(chooseEvalQueries(['m6 nut', 'm6 nut', 'm6 nut', 'm8 nut']).size).toBe(1);
  });

  it('caps the held-out queries', () => {
    const { evalQueries } = splitByQuery(data, { maxEvalQueries: 12 });
    expect(evalQueries.size).toBe(12);
  });

  it('refuses options that make no sense', () => {
    expect(() => splitByQuery(data, { evalFraction: 1 })).toThrow(
      'evalFraction must be at least 0 and below 1, got 1',
    );
    expect(() => splitByQuery(data, { seed: 0.5 })).toThrow(
      'split seed must be an integer, got 0.5',
    );
    expect(() => splitByQuery(data, { maxEvalQueries: -1 })).toThrow(
      'maxEvalQueries must be 0 or more, got -1',
    );
  });

  it('keeps the queries a stored dataset holds out, every row of them and no other', () => {
    const pairs: TrainingPair[] = [
      { query: 'm6 nut', positive: 'hex nut M6', negatives: [] },
      { query: 'm8 bolt', positive: 'hex bolt M8', negatives: [] },
      { query: 'm6 nut', positive: 'nylon lock nut M6', negatives: [] },
    ];
    const split = splitByQuery(pairs, new Set(['m6 nut', 'absent query']));
    expect(split.eval).toEqual([pairs[0], pairs[2]]);
    expect(split.train).toEqual([pairs[1]]);
    expect(splitByQuery(pairs, new Set()).train).toEqual(pairs);
  });
});
