import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../src/lib/data/parser.ts';
import { splitByQuery } from '../../../src/lib/data/split.ts';

const SAMPLE = join(import.meta.dirname, '../../../public/samples/fasteners.csv');

describe('the shipped sample dataset', () => {
  const bytes = new Uint8Array(readFileSync(SAMPLE));
  const { pairs, report } = parseDataset(bytes, { fileName: 'fasteners.csv' });

  it('parses with no rejected row, no warning and at least 300 pairs', () => {
    expect(report.rejected).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.accepted).toBeGreaterThanOrEqual(300);
    expect(report.columns).toEqual({
      query: 'query',
      positive: 'positive',
      negatives: ['negative'],
      score: null,
      ignored: [],
    });
  });

  it('has one hard negative per pair, never equal to its positive', () => {
    expect(pairs.every((p) => p.negatives.length === 1 && p.negatives[0] !== p.positive)).toBe(
      true,
    );
  });

  it('stays small enough to ship in the page', () => {
    expect(bytes.length).toBeLessThan(150 * 1024);
  });

  it('leaves a held-out set of distinct queries', () => {
    const { eval: held, evalQueries } = splitByQuery(pairs);
    expect(evalQueries.size).toBe(Math.round(new Set(pairs.map((p) => p.query)).size * 0.1));
    expect(held.length).toBeGreaterThanOrEqual(evalQueries.size);
  });
});
