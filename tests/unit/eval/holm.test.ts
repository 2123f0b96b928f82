import { describe, expect, it } from 'vitest';
import { holmAdjust } from '../../../src/lib/eval/holm.ts';

describe('holmAdjust', () => {
  it('multiplies the j-th smallest p by m − j + 1 and keeps the sequence monotone', () => {
    // sorted: 0.01 (×4 = 0.04), 0.02 (×3 = 0.06), 0.03 (×2 = 0.06), 0.04 (×1 = 0.04 → max 0.06)
    const adjusted = holmAdjust([0.03, 0.01, 0.04, 0.02]);
    expect(adjusted[1]).toBeCloseTo(0.04, 15);
    expect(adjusted[3]).toBeCloseTo(0.06, 15);
    expect(adjusted[0]).toBeCloseTo(0.06, 15);
    expect(adjusted[2]).toBeCloseTo(0.06, 15);
  });

  it('caps at 1 and leaves a single p-value alone', () => {
    expect(holmAdjust([0.4, 0.5])).toEqual([0.8, 0.8]);
    expect(holmAdjust([0.7, 0.6, 0.9])).toEqual([1, 1, 1]);
    expect(holmAdjust([0.037])).toEqual([0.037]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('gives equal p-values equal adjusted values', () => {
    // 0.01 ×3 = 0.03; the tie 0.02 ×2 = 0.04 and 0.02 ×1 → max 0.04
    const adjusted = holmAdjust([0.02, 0.01, 0.02]);
    expect(adjusted[1]).toBeCloseTo(0.03, 15);
    expect(adjusted[0]).toBeCloseTo(0.04, 15);
    expect(adjusted[2]).toBeCloseTo(0.04, 15);
  });
});
