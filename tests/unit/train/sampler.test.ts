import { describe, expect, it } from 'vitest';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { NoDuplicatesSampler } from '../../../src/lib/train/sampler.ts';

const pair = (query: string, positive: string, ...negatives: string[]): TrainingPair => ({
  query,
  positive,
  negatives,
});

const PAIRS = [
  pair('m6 nut', 'hex nut M6'),
  pair('m8 bolt', 'hex bolt M8'),
  pair('washer', 'flat washer'),
  pair('M6 Nut ', 'nylon lock nut M6'), // the same query as pair 0 once stripped and lowercased
  pair('rivet', 'blind rivet', 'hex bolt m8'), // its negative is pair 1's positive
  pair('screw', 'wood screw'),
];

describe('NoDuplicatesSampler', () => {
  it('in file order, skips a pair whose text the batch already has and takes it next time', () => {
    const sampler = new NoDuplicatesSampler(PAIRS, 3, false, 0);
    // Batch 1: 0, 1, 2. Batch 2: 3 (its query repeats 0's only across batches: fine), then 4
    // (its negative is 1's positive, but 1 is not in this batch), then 5.
    expect(sampler.next()).toEqual([0, 1, 2]);
    expect(sampler.next()).toEqual([3, 4, 5]);
    // The pointer wraps to the start: a second epoch in the same order.
    expect(sampler.next()).toEqual([0, 1, 2]);
    expect(sampler.snapshot()).toMatchObject({ pointer: 3, epoch: 1 });
  });

  it('never puts two pairs sharing a text (stripped, lowercased) in one batch', () => {
    const sampler = new NoDuplicatesSampler(PAIRS, 4, false, 0);
    // 0, 1, 2 then 3 repeats "m6 nut" and is skipped; 4 repeats "hex bolt m8" and is skipped.
    expect(sampler.next()).toEqual([0, 1, 2, 5]);
  });

  it('counts batches per epoch as ⌊pairs / batch⌋, at least 1', () => {
    expect(new NoDuplicatesSampler(PAIRS, 4, false, 0).batchesPerEpoch).toBe(1);
    expect(new NoDuplicatesSampler(PAIRS, 2, false, 0).batchesPerEpoch).toBe(3);
    expect(new NoDuplicatesSampler(PAIRS.slice(0, 2), 8, false, 0).batchesPerEpoch).toBe(1);
  });

  it('shuffles by its seed, and a snapshot resumes the very same batches', () => {
    const a = new NoDuplicatesSampler(PAIRS, 2, true, 7);
    const b = new NoDuplicatesSampler(PAIRS, 2, true, 7);
    const first = [a.next(), a.next()];
    expect([b.next(), b.next()]).toEqual(first);
    expect(first.flat().sort()).not.toEqual([0, 1, 2, 3]);
    const resumed = new NoDuplicatesSampler(PAIRS, 2, true, 999, a.snapshot());
    const ahead = Array.from({ length: 6 }, () => a.next());
    expect(Array.from({ length: 6 }, () => resumed.next())).toEqual(ahead);
  });

  it('refuses no pairs, and a batch the distinct pairs cannot fill, in words', () => {
    expect(() => new NoDuplicatesSampler([], 2, false, 0)).toThrow('no training pairs');
    const twins = [pair('a', 'b'), pair('A', 'c')];
    expect(() => new NoDuplicatesSampler(twins, 2, false, 0).next()).toThrow(
      'cannot fill a batch of 2 without repeating a text: the data has too few distinct pairs; lower the batch size',
    );
  });
});
