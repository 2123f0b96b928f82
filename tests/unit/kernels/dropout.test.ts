import { describe, expect, it } from 'vitest';
import { dropoutScales } from '../../../src/lib/kernels/dropout.ts';

describe('dropoutScales', () => {
  it('keeps 1 − rate of the elements, scaled by 1/(1 − rate), the same ones for the same seed', () => {
    const draw = (seed: number) => {
      const out = new Float32Array(100_000);
      dropoutScales(0.1, seed, 0, out);
      return out;
    };
    const a = draw(5);
    expect(Array.from(draw(5))).toEqual(Array.from(a));
    expect(Array.from(draw(6))).not.toEqual(Array.from(a));
    const kept = a.filter((v) => v !== 0);
    // 100,000 Bernoulli(0.9) draws: the kept share is within 0.5% of 0.9 (σ ≈ 0.1%).
    expect(Math.abs(kept.length / a.length - 0.9)).toBeLessThan(0.005);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.9)]));
  });

  it('depends only on the element index: a block drawn at an offset is the same slice', () => {
    const whole = new Float64Array(1000);
    dropoutScales(0.3, 42, 0, whole);
    const block = new Float64Array(100);
    dropoutScales(0.3, 42, 450, block);
    expect(Array.from(block)).toEqual(Array.from(whole.subarray(450, 550)));
  });

  it('keeps everything, unscaled, at rate 0', () => {
    const out = new Float32Array(64);
    dropoutScales(0, 1, 0, out);
    expect(new Set(out)).toEqual(new Set([1]));
  });
});
