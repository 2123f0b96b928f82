import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../../src/lib/train/schedule.ts';

// T = 10 steps, W = 2 warmup steps, base lr 1 (transformers' get_*_schedule_with_warmup).
const at = (step: number, kind: 'linear' | 'constant', warmup = 2) =>
  learningRateAt(step, 10, 1, kind, warmup);

describe('learningRateAt', () => {
  it('warms up linearly from 0: s/W, so the very first update uses lr 0', () => {
    expect([0, 1].map((s) => at(s, 'linear'))).toEqual([0, 0.5]);
    expect([0, 1].map((s) => at(s, 'constant'))).toEqual([0, 0.5]);
  });

  it('linear: decays from the peak to 0 at the last step, (T − s)/(T − W)', () => {
    // s = 2: 8/8; s = 6: 4/8; s = 9: 1/8; s = 10: 0; past the end it stays 0.
    expect([2, 6, 9, 10, 11].map((s) => at(s, 'linear'))).toEqual([1, 0.5, 0.125, 0, 0]);
  });

  it('constant: holds the base rate after warmup', () => {
    expect([2, 6, 10].map((s) => at(s, 'constant'))).toEqual([1, 1, 1]);
  });

  it('without warmup starts at the base rate and scales with it', () => {
    expect(at(0, 'linear', 0)).toBe(1);
    expect(at(5, 'linear', 0)).toBe(0.5);
    expect(learningRateAt(5, 10, 2e-5, 'linear', 0)).toBe(1e-5);
  });
});
