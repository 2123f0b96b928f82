import { describe, expect, it } from 'vitest';
import { findDuplicates, jaccard, normaliseQuery } from '../../../src/lib/generate/dedupe.ts';

describe('duplicate filter', () => {
  it('normalises case, punctuation, width and spacing', () => {
    expect(normaliseQuery('  What is ＩＳＯ-9001?  ')).toBe('what is iso 9001');
  });

  it('computes token-set Jaccard', () => {
    // {reset, router, password} vs {reset, the, router, password}: 3 / 4
    expect(
      jaccard(
        new Set(['reset', 'router', 'password']),
        new Set(['reset', 'the', 'router', 'password']),
      ),
    ).toBe(0.75);
  });

  it('drops exact and near duplicates after the first, and copies of reserved queries', () => {
    const verdicts = findDuplicates(
      [
        'reset router password', // unique
        'Reset router password!', // duplicate of 0 after normalising
        'reset the router password', // 3/4 = 0.75 < 0.8: unique
        'how to reset router admin password', // unique
        'how to reset router admin password now', // 6/7 ≈ 0.857: near-duplicate of 3
        'password router reset', // same token set as 0: Jaccard 1, near-duplicate
        'VAT rate for books', // duplicate of the reserved query
      ],
      ['vat rate for books'],
    );
    expect(verdicts).toEqual([
      'unique',
      'duplicate',
      'unique',
      'unique',
      'near-duplicate',
      'near-duplicate',
      'duplicate',
    ]);
  });
});
