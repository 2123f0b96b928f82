/**
 * Learning-rate schedules as `transformers.get_*_schedule_with_warmup` (which sentence-transformers
 * uses): the factor at optimizer step s (0-based — torch sets lr = base·λ(0) before the first
 * step, so with warmup the very first update uses lr 0).
 *
 *   constant: λ(s) = 1
 *   constant-with-warmup: s/W for s < W, then 1
 *   linear: s/W for s < W, then max(0, (T − s)/(T − W))
 */
export type ScheduleKind = 'linear' | 'constant';

export function learningRateAt(
  step: number,
  totalSteps: number,
  baseLr: number,
  kind: ScheduleKind,
  warmupSteps: number,
): number {
  if (step < warmupSteps) return (baseLr * step) / Math.max(1, warmupSteps);
  if (kind === 'constant') return baseLr;
  return baseLr * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}
