import { describe, expect, it } from 'vitest';
import { pairedEffect } from '../../../src/lib/eval/effect-size.ts';

describe('pairedEffect', () => {
  it("counts wins, ties and losses and gives Cohen's d_z", () => {
    // d = (0.2, 0, −0.1, 0.3): mean 0.1, Σ(d − mean)² = 0.01 + 0.01 + 0.04 + 0.04 = 0.1,
    // sd = √(0.1 / 3) = 0.18257…, d_z = 0.1 / 0.18257 = 0.54772
    const effect = pairedEffect([0.5, 0.5, 0.5, 0.2], [0.7, 0.5, 0.4, 0.5]);
    expect(effect.wins).toBe(2);
    expect(effect.ties).toBe(1);
    expect(effect.losses).toBe(1);
    expect(effect.effectSize).toBeCloseTo(0.1 / Math.sqrt(0.1 / 3), 12);
  });

  it('has no effect size when every difference is equal or there is one query', () => {
    expect(pairedEffect([0.25, 0.5, 0.75], [0.5, 0.75, 1]).effectSize).toBeNull();
    expect(pairedEffect([1, 1], [1, 1])).toEqual({ effectSize: null, wins: 0, ties: 2, losses: 0 });
    expect(pairedEffect([0], [1]).effectSize).toBeNull();
  });
});
