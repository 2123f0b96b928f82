import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../src/lib/data/parser.ts';
import { pairsCsv } from '../../../src/lib/data/pairs-csv.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';

const PAIRS: TrainingPair[] = [
  { query: 'm8 bolt, zinc', positive: 'Hex bolt "M8" zinc plated', negatives: ['M6 bolt', 'nut'] },
  { query: 'washer', positive: 'Flat washer\nDIN 125', negatives: ['spring washer'], weight: 0.5 },
];

describe('pairsCsv', () => {
  it('writes the reference columns, the fewest negatives every row has, quoting what needs it', () => {
    expect(pairsCsv(PAIRS)).toBe(
      'query,positive,negative_1\n' +
        '"m8 bolt, zinc","Hex bolt ""M8"" zinc plated",M6 bolt\n' +
        'washer,"Flat washer\nDIN 125",spring washer\n',
    );
  });

  it('adds a weight column (1 where a pair has none) and takes a number of negatives', () => {
    expect(pairsCsv(PAIRS, { negatives: 0, weight: true })).toBe(
      'query,positive,weight\n"m8 bolt, zinc","Hex bolt ""M8"" zinc plated",1\n' +
        'washer,"Flat washer\nDIN 125",0.5\n',
    );
  });

  it('reads back as the same pairs', () => {
    const csv = new TextEncoder().encode(pairsCsv(PAIRS));
    const { pairs } = parseDataset(csv, { fileName: 'pairs.csv' });
    expect(pairs).toEqual([
      { query: 'm8 bolt, zinc', positive: 'Hex bolt "M8" zinc plated', negatives: ['M6 bolt'] },
      { query: 'washer', positive: 'Flat washer\nDIN 125', negatives: ['spring washer'] },
    ]);
  });
});
