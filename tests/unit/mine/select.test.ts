import { describe, expect, it } from 'vitest';
import { MiningOptionsError, planMining, renameOptions } from '../../../src/lib/mine/options.ts';
import {
  MiningInputError,
  mineHardNegatives,
  type MiningInput,
} from '../../../src/lib/mine/select.ts';
import { fromMatrix } from '../../support/mining.ts';

const texts = (input: MiningInput, rows: { index: number }[]) =>
  rows.map((r) => input.corpus[r.index]);

const NO_FILTERS = { relativeMargin: null } as const;

describe('mineHardNegatives filters', () => {
  // Query 0's positive "pos" scores 0.8. Under relative_margin 0.05 the cut is
  // 0.8 − 0.8·0.05 = 0.76: "beats" (0.9, above the positive) and "near" (0.78) go, the three
  // hardest of the rest stay.
  const corpus = ['pos', 'beats', 'near', 'n75', 'n70', 'n60', 'n50'];
  const input = fromMatrix(corpus, [[0.8, 0.9, 0.78, 0.75, 0.7, 0.6, 0.5]], [[0]]);

  it('drops a candidate that beats the positive and one inside the relative margin', () => {
    const result = mineHardNegatives(input, { relativeMargin: 0.05 });
    const [q] = result.queries;
    expect(texts(input, q.negatives)).toEqual(['n75', 'n70', 'n60']);
    expect(q.negatives.map((n) => n.score)).toEqual([0.75, 0.7, 0.6]);
    // Ranks count the whole ranking: beats 1, pos 2, near 3, n75 4, …
    expect(q.negatives.map((n) => n.rank)).toEqual([4, 5, 6]);
    expect(q.positiveScore).toBe(0.8);
    expect(result.skipped).toEqual({
      positive: 1,
      duplicate: 0,
      absoluteMargin: 0,
      relativeMargin: 2,
      maxScore: 0,
      minScore: 0,
      rangeMin: 0,
    });
    expect(result.short).toBe(0);
  });

  it('keeps the hardest candidates, the false ones included, with no filter', () => {
    const [q] = mineHardNegatives(input, NO_FILTERS).queries;
    expect(texts(input, q.negatives)).toEqual(['beats', 'near', 'n75']);
  });

  it('drops candidates with score + absolute_margin > positive, keeps one exactly at the margin', () => {
    // Binary-exact numbers: positive 0.75, margin 0.25. 0.625 + 0.25 > 0.75 goes; 0.5 + 0.25 = 0.75
    // is not above it and stays.
    const abs = fromMatrix(['pos', 'a', 'b', 'c', 'd'], [[0.75, 0.625, 0.5, 0.25, 0.125]], [[0]]);
    const result = mineHardNegatives(abs, { relativeMargin: null, absoluteMargin: 0.25 });
    expect(texts(abs, result.queries[0].negatives)).toEqual(['b', 'c', 'd']);
    expect(result.skipped.absoluteMargin).toBe(1);
  });

  it('keeps a candidate exactly at the relative margin (score > p − |p|·m is strict)', () => {
    // p = 0.5, m = 0.5: cut 0.25. 0.375 goes, 0.25 stays.
    const rel = fromMatrix(['pos', 'a', 'b', 'c', 'd'], [[0.5, 0.375, 0.25, 0.125, 0]], [[0]]);
    const result = mineHardNegatives(rel, { relativeMargin: 0.5 });
    expect(texts(rel, result.queries[0].negatives)).toEqual(['b', 'c', 'd']);
    expect(result.skipped.relativeMargin).toBe(1);
  });

  it('lowers the relative cut below a negative positive score by |p|·m', () => {
    // p = −0.5, m = 0.5: cut −0.5 − 0.25 = −0.75, so −0.625 goes and −0.75 stays (p·(1 − m) = −0.25
    // would have kept −0.625: the reference changed to |p| for this case).
    const neg = fromMatrix(['pos', 'a', 'b', 'c', 'd'], [[-0.5, -0.625, -0.75, -0.875, -1]], [[0]]);
    const result = mineHardNegatives(neg, { relativeMargin: 0.5 });
    expect(texts(neg, result.queries[0].negatives)).toEqual(['b', 'c', 'd']);
  });

  it('applies the margins after each other, counting a candidate under the first that drops it', () => {
    // absolute 0.08 drops score > 0.72 (beats, near, n75); relative 0.05 (score > 0.76) would
    // drop beats and near too, but they are already gone.
    const result = mineHardNegatives(input, { absoluteMargin: 0.08, relativeMargin: 0.05 });
    expect(texts(input, result.queries[0].negatives)).toEqual(['n70', 'n60', 'n50']);
    expect(result.skipped.absoluteMargin).toBe(3);
    expect(result.skipped.relativeMargin).toBe(0);
  });

  it('drops candidates above max_score and below min_score', () => {
    const result = mineHardNegatives(input, {
      relativeMargin: null,
      maxScore: 0.76,
      minScore: 0.55,
      numNegatives: 3,
    });
    expect(texts(input, result.queries[0].negatives)).toEqual(['n75', 'n70', 'n60']);
    expect(result.skipped.maxScore).toBe(2);
    // n50 is below min_score.
    expect(result.skipped.minScore).toBe(1);
  });

  it('measures the margins from the lowest positive when a query has several', () => {
    // Positives p1 0.9 and p2 0.6: absolute_margin 0 drops everything above 0.6.
    const several = fromMatrix(
      ['p1', 'p2', 'x7', 'x65', 'x55', 'x4', 'x3'],
      [[0.9, 0.6, 0.7, 0.65, 0.55, 0.4, 0.3]],
      [[0, 1]],
    );
    const result = mineHardNegatives(several, { relativeMargin: null, absoluteMargin: 0 });
    const [q] = result.queries;
    expect(q.positiveScore).toBe(0.6);
    expect(texts(several, q.negatives)).toEqual(['x55', 'x4', 'x3']);
    expect(result.skipped.positive).toBe(2);
    expect(result.skipped.absoluteMargin).toBe(2);
  });

  it('never returns a text equal to a positive, nor the same text twice', () => {
    // Row 4 repeats the positive's text and row 5 repeats row 1's; both rank high.
    const dup = fromMatrix(
      ['pos', 'a', 'b', 'c', 'pos', 'a', 'd'],
      [[0.5, 0.4, 0.3, 0.2, 0.49, 0.39, 0.1]],
      [[0]],
    );
    const result = mineHardNegatives(dup, NO_FILTERS);
    expect(texts(dup, result.queries[0].negatives)).toEqual(['a', 'b', 'c']);
    expect(result.skipped.positive).toBe(2);
    expect(result.skipped.duplicate).toBe(1);
  });

  it('gives a query short of candidates what there is, and counts it', () => {
    const small = fromMatrix(
      ['p0', 'p1', 'x'],
      [
        [0.9, 0.1, 0.2],
        [0.3, 0.8, 0.78],
      ],
      [[0], [1]],
    );
    // Query 0: candidates p1 and x. Query 1: x (0.78) is inside 5% of 0.8, p0 (0.3) stays.
    const result = mineHardNegatives(small, { relativeMargin: 0.05 });
    expect(texts(small, result.queries[0].negatives)).toEqual(['x', 'p1']);
    expect(texts(small, result.queries[1].negatives)).toEqual(['p0']);
    expect(result.short).toBe(2);
  });
});

describe('mineHardNegatives range', () => {
  // The positive ranks first; "hot" (0.8) is over max_score 0.75. With rangeMax 4 and one
  // positive, the window is the top 5: pos, hot, b, c, d. Survivors b, c, d; rangeMin 1 skips b.
  const corpus = ['pos', 'hot', 'b', 'c', 'd', 'e', 'f'];
  const input = fromMatrix(corpus, [[0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]], [[0]]);

  it('skips the first range_min survivors and looks no further than range_max', () => {
    const result = mineHardNegatives(input, {
      relativeMargin: null,
      maxScore: 0.75,
      rangeMin: 1,
      rangeMax: 4,
      numNegatives: 3,
    });
    expect(result.plan.window).toBe(5);
    expect(texts(input, result.queries[0].negatives)).toEqual(['c', 'd']);
    expect(result.skipped.rangeMin).toBe(1);
    expect(result.short).toBe(1);
  });

  it('derives range_max as the reference does', () => {
    expect(planMining({ relativeMargin: null, numNegatives: 3, rangeMin: 2 }, 1).rangeMax).toBe(6);
    expect(planMining({ relativeMargin: 0.05, numNegatives: 3, rangeMin: 2 }, 2).rangeMax).toBe(34);
    expect(planMining({ relativeMargin: null, maxScore: 0.9 }, 1).window).toBe(32);
  });

  it('refuses options that cannot mine, naming the option', () => {
    expect(() => planMining({ numNegatives: 0 }, 1)).toThrow(MiningOptionsError);
    expect(() => planMining({ numNegatives: 0 }, 1)).toThrow('numNegatives must be an integer ≥ 1');
    expect(() => planMining({ rangeMin: 5, rangeMax: 5 }, 1)).toThrow(
      'rangeMin must be smaller than rangeMax, got rangeMin 5 and rangeMax 5',
    );
    expect(() => planMining({ numNegatives: 4, rangeMin: 1, rangeMax: 4 }, 1)).toThrow(
      'cannot mine 4 negatives per query: only 3 candidates lie between rangeMin 1 and rangeMax 4',
    );
    expect(() => planMining({ relativeMargin: Number.NaN }, 1)).toThrow(
      'relativeMargin must be a finite number or unset',
    );
    expect(() => planMining({ sampling: 'best' as 'top' }, 1)).toThrow(
      'sampling must be "top" or "random", got "best"',
    );
  });

  it('names the options as the person knows them', () => {
    const message = 'rangeMin must be smaller than rangeMax, got rangeMin 5 and rangeMax 5';
    expect(renameOptions(message, { rangeMin: '--range-min', rangeMax: '--range-max' })).toBe(
      '--range-min must be smaller than --range-max, got --range-min 5 and --range-max 5',
    );
  });

  it('refuses rankings and positives of different lengths', () => {
    expect(() => mineHardNegatives({ ...input, positives: [] })).toThrow(MiningInputError);
  });
});

describe('mineHardNegatives random sampling', () => {
  // Ten candidates in range after the positive; sample 3.
  const corpus = ['pos', ...Array.from({ length: 10 }, (_, i) => `n${i}`)];
  const row = [1, ...Array.from({ length: 10 }, (_, i) => 0.5 - i * 0.01)];
  const input = fromMatrix(corpus, [row, row], [[0], [0]]);
  const options = { sampling: 'random', relativeMargin: null, rangeMax: 10 } as const;

  it('gives the same sample for the same seed, best first, from the candidates in range', () => {
    const a = mineHardNegatives(input, { ...options, seed: 7 });
    const b = mineHardNegatives(input, { ...options, seed: 7 });
    expect(a).toEqual(b);
    for (const q of a.queries) {
      expect(q.negatives).toHaveLength(3);
      const scores = q.negatives.map((n) => n.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
      expect(new Set(q.negatives.map((n) => n.index)).size).toBe(3);
      for (const n of q.negatives) expect(n.index).toBeGreaterThan(0);
    }
  });

  it('draws every candidate in range over many seeds, and different samples for different queries', () => {
    const drawn = new Set<number>();
    let differing = 0;
    for (let seed = 0; seed < 40; seed++) {
      const [q0, q1] = mineHardNegatives(input, { ...options, seed }).queries;
      q0.negatives.forEach((n) => drawn.add(n.index));
      if (q0.negatives.map((n) => n.index).join() !== q1.negatives.map((n) => n.index).join())
        differing++;
    }
    // rangeMax 10 keeps survivor positions 0..9: every one of n0..n9.
    expect([...drawn].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(differing).toBeGreaterThan(30);
  });
});

describe('mineHardNegatives rejections', () => {
  const corpus = ['pos', 'a', 'b', 'c', 'd', 'e'];
  const input = fromMatrix(corpus, [[0.9, 0.5, 0.4, 0.3, 0.2, 0.1]], [[0]]);

  it('fills a rejected slot with the next candidate and keeps the others', () => {
    const result = mineHardNegatives(input, NO_FILTERS, new Map([[0, new Set([2])]]));
    const [q] = result.queries;
    expect(texts(input, q.negatives)).toEqual(['a', 'c', 'd']);
    expect(texts(input, q.rejected)).toEqual(['b']);
    expect(q.rejected[0].rank).toBe(3);
  });

  it('keeps the other random picks when one is rejected', () => {
    const options = { ...NO_FILTERS, sampling: 'random', seed: 3 } as const;
    const before = mineHardNegatives(input, options).queries[0].negatives.map((n) => n.index);
    const rejected = before[1];
    const after = mineHardNegatives(input, options, new Map([[0, new Set([rejected])]])).queries[0];
    const kept = after.negatives.map((n) => n.index);
    expect(kept).toHaveLength(3);
    expect(kept).not.toContain(rejected);
    for (const index of before.filter((i) => i !== rejected)) expect(kept).toContain(index);
    expect(after.rejected.map((n) => n.index)).toEqual([rejected]);
  });
});
