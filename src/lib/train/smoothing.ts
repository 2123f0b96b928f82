/**
 * Debiased exponential moving average (TensorBoard's smoothing): s_t = w·s_{t−1} + (1−w)·x_t,
 * divided by 1 − w^t so that the first points are not pulled towards 0.
 */
export function smoothSeries(values: readonly number[], weight = 0.9): number[] {
  let last = 0;
  return values.map((x, i) => {
    last = weight * last + (1 - weight) * x;
    return last / (1 - weight ** (i + 1));
  });
}

/** Seconds left at the mean pace of the last `window` steps. */
export function etaSeconds(
  stepSeconds: readonly number[],
  remainingSteps: number,
  window = 20,
): number | null {
  const recent = stepSeconds.slice(-window);
  if (!recent.length) return null;
  return (recent.reduce((a, b) => a + b, 0) / recent.length) * remainingSteps;
}
