import { describe, expect, it } from 'vitest';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { pairColumns, pairMatcher, PairStats } from '../../../src/lib/data/stats.ts';

const PAIRS: TrainingPair[] = [
  {
    query: 'M8 nut',
    positive: 'Hex nut, M8 x 1.25',
    negatives: ['Hex nut, M8 x 1.0', 'Flange nut'],
  },
  { query: '5/16-18 bolt', positive: 'Hex bolt 5/16"-18', negatives: ['   '] },
  { query: 'washer', positive: 'Flat washer (USS)', negatives: [], score: 0.5 },
];

describe('pairColumns', () => {
  it('names one negative column by its header and several by position', () => {
    const one = pairColumns({ query: 'q', positive: 'p', negatives: ['near_miss'] });
    expect(one.map((c) => c.label)).toEqual(['q', 'p', 'near_miss']);
    const two = pairColumns({ query: 'q', positive: 'p', negatives: ['n1', 'n2'], score: 'label' });
    expect(two.map((c) => c.label)).toEqual(['q', 'p', 'negative 1', 'negative 2', 'label']);
    expect(two.map((c) => c.cell(PAIRS[2]))).toEqual([
      'washer',
      'Flat washer (USS)',
      undefined,
      undefined,
      '0.5',
    ]);
  });
});

describe('PairStats', () => {
  it('counts values, empty and whitespace-only cells, and mean lengths, fed in pieces', () => {
    const stats = new PairStats(
      pairColumns({ query: 'q', positive: 'p', negatives: ['n1', 'n2'], score: 'score' }),
    );
    stats.add(PAIRS.slice(0, 1));
    stats.add(PAIRS.slice(1));
    expect(stats.result()).toEqual([
      // 'M8 nut' 6, '5/16-18 bolt' 12, 'washer' 6 → 24 / 3
      { label: 'q', count: 3, empty: 0, meanLength: 8 },
      // 18 + 17 + 17 = 52 → 52 / 3
      { label: 'p', count: 3, empty: 0, meanLength: 52 / 3 },
      // 'Hex nut, M8 x 1.0' (17) only: the second row's '   ' counts as empty
      { label: 'negative 1', count: 1, empty: 2, meanLength: 17 },
      { label: 'negative 2', count: 1, empty: 2, meanLength: 10 },
      { label: 'score', count: 1, empty: 2, meanLength: null },
    ]);
  });

  it('gives no mean length for a column without values', () => {
    const stats = new PairStats(pairColumns({ query: 'q', positive: 'p', negatives: ['n'] }));
    stats.add([{ query: 'a', positive: 'b', negatives: [] }]);
    expect(stats.result()[2]).toEqual({ label: 'n', count: 0, empty: 1, meanLength: null });
  });
});

describe('pairMatcher', () => {
  it('finds text in the query, the positive or a negative, ignoring case, never in the score', () => {
    const indices = (needle: string) =>
      PAIRS.flatMap((p, i) => (pairMatcher(needle)(p) ? [i] : []));
    expect(indices('HEX')).toEqual([0, 1]);
    expect(indices('flange')).toEqual([0]);
    expect(indices('washer')).toEqual([2]);
    expect(indices('0.5')).toEqual([]);
  });

  it('takes the needle literally, regex characters included', () => {
    expect(pairMatcher('(USS)')(PAIRS[2])).toBe(true);
    expect(pairMatcher('5/16"-18')(PAIRS[1])).toBe(true);
    expect(pairMatcher('x 1.25')(PAIRS[0])).toBe(true);
    expect(pairMatcher('x 1.2.')(PAIRS[0])).toBe(false);
  });
});
