/**
 * Percentile bootstrap confidence intervals of a mean over queries (Efron & Tibshirani, "An
 * Introduction to the Bootstrap", ch. 13): draw B resamples of the n queries with replacement,
 * take each resample's mean, and report the (1−level)/2 and (1+level)/2 quantiles of those B
 * means. Seeded, so a report can be reproduced to the last digit.
 */
import { mulberry32, randomInt } from '../util/random.ts';

export interface ResamplingOptions {
  /** Number of resamples B; at least 1,000 for a 95% interval. */
  resamples?: number;
  seed?: number;
  /** Coverage of the interval. */
  level?: number;
}

export const DEFAULT_RESAMPLING = Object.freeze({ resamples: 1000, seed: 0, level: 0.95 });

export interface ConfidenceInterval {
  /** The mean of the values themselves (the point estimate), not of the resampled means. */
  mean: number;
  lower: number;
  upper: number;
  level: number;
}

export class ResamplingError extends Error {
  override name = 'ResamplingError';
}

/**
 * The p-quantile of ascending `sorted` values with linear interpolation between order
 * statistics (Hyndman & Fan type 7, numpy's default `np.quantile` method).
 */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Checks that every series has the same, non-zero number of queries and returns it. */
export function commonLength(series: readonly (readonly number[])[]): number {
  const n = series[0]?.length ?? 0;
  if (n === 0) throw new ResamplingError('resampling needs at least one query');
  series.forEach((s, i) => {
    if (s.length !== n) {
      throw new ResamplingError(
        `series ${i} has ${s.length} values, expected ${n} (one per query)`,
      );
    }
  });
  return n;
}

export function checkedResamples(resamples: number): number {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new ResamplingError(`resamples must be a positive integer, got ${resamples}`);
  }
  return resamples;
}

/**
 * Intervals for several series of per-query values (several metrics, or two systems) from one
 * set of resamples: every series is resampled with the same query indices, so intervals of a
 * base and a tuned system, or of their difference, come from paired resamples.
 */
export function bootstrapCis(
  series: readonly (readonly number[])[],
  options: ResamplingOptions = {},
): ConfidenceInterval[] {
  const { resamples, seed, level } = { ...DEFAULT_RESAMPLING, ...options };
  if (!(level > 0 && level < 1)) throw new ResamplingError(`level must be in (0, 1), got ${level}`);
  const n = commonLength(series);
  const b = checkedResamples(resamples);
  const random = mulberry32(seed);
  // [series][resample]
  const means = series.map(() => new Float64Array(b));
  const sums = new Float64Array(series.length);
  for (let r = 0; r < b; r++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const q = randomInt(random, n);
      for (let s = 0; s < series.length; s++) sums[s] += series[s][q];
    }
    for (let s = 0; s < series.length; s++) means[s][r] = sums[s] / n;
  }
  const alpha = (1 - level) / 2;
  return series.map((values, s) => {
    const sorted = means[s].sort();
    return {
      mean: mean(values),
      lower: quantile(sorted, alpha),
      upper: quantile(sorted, 1 - alpha),
      level,
    };
  });
}

/** The percentile bootstrap interval of the mean of one series of per-query values. */
export function bootstrapCi(
  values: readonly number[],
  options: ResamplingOptions = {},
): ConfidenceInterval {
  return bootstrapCis([values], options)[0];
}
