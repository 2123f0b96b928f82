import type { PreparedLog } from './lists.ts';
import { powerLawPropensity, type PropensityEstimate } from './propensity.ts';
import type { Click, ClickRules, PropensityMode, RuleCount } from './rules.ts';

/** The examination curve in use, relative to position 1: θ at index k − 1. */
export interface PropensityCurve {
  /** What was asked for, or `unavailable`: `estimated` on a log without unclicked rows. */
  mode: PropensityMode | 'unavailable';
  theta: (position: number) => number;
}

/** The curve the rule asks for; the estimate is `estimatePositionBias`'s (null for a click-only log). */
export function propensityCurve(
  rule: ClickRules['propensity'],
  estimate: PropensityEstimate | null,
): PropensityCurve {
  if (rule.mode === 'power-law') {
    return { mode: 'power-law', theta: (k) => powerLawPropensity(k, rule.eta) };
  }
  if (rule.mode === 'estimated' && estimate) {
    return { mode: 'estimated', theta: (k) => estimate.relative[k - 1] };
  }
  return { mode: rule.mode === 'off' ? 'off' : 'unavailable', theta: () => 1 };
}

/** The inverse propensity weight of a click at `position`: 1/θ, clipped to [0, maxWeight]. */
export function propensityWeight(
  curve: PropensityCurve,
  position: number,
  maxWeight: number,
): number {
  const theta = curve.theta(position);
  return theta > 0 ? Math.min(1 / theta, maxWeight) : maxWeight;
}

/**
 * Multiplies each click's weight by its inverse propensity weight. Drops nothing; `clipped`
 * counts the clicks whose 1/θ was above `maxWeight`.
 */
export function inversePropensityWeighting(
  prepared: PreparedLog,
  clicks: Click[],
  curve: PropensityCurve,
  maxWeight: number,
): { kept: Click[]; count: RuleCount & { clipped: number } } {
  const events = prepared.log.events;
  let clipped = 0;
  const kept = clicks.map((c) => {
    const theta = curve.theta(events[c.row].position);
    if (!(theta > 0) || 1 / theta > maxWeight) clipped++;
    return { ...c, weight: c.weight * propensityWeight(curve, events[c.row].position, maxWeight) };
  });
  return { kept, count: { kept: clicks.length, dropped: 0, clipped } };
}
