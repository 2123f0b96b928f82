/**
 * Paired randomisation (permutation) test of two systems evaluated on the same queries
 * (Fisher's test as used for IR by Smucker, Allan & Carterette, CIKM 2007). Under the null
 * hypothesis the two systems are exchangeable on every query, so each per-query difference
 * d_i = tuned_i − base_i is as likely to carry either sign. The statistic is |Σ d_i|; each of
 * B resamples flips every sign with probability ½, and the two-sided p-value is
 *
 *   p = (1 + #{ resamples with |Σ s_i d_i| ≥ |Σ d_i| }) / (1 + B)
 *
 * (the +1 counts the observed assignment, so p is never 0; Phipson & Smyth 2010). Identical
 * systems give p = 1.
 */
import { mulberry32 } from '../util/random.ts';
import {
  DEFAULT_RESAMPLING,
  ResamplingError,
  checkedResamples,
  commonLength,
  type ResamplingOptions,
} from './bootstrap.ts';

export interface PairedTestResult {
  /** mean(b − a) over the queries. */
  meanDifference: number;
  /** Two-sided, with the +1 correction. */
  pValue: number;
  resamples: number;
}

/**
 * Tests each pair (a[m], b[m]) of per-query series, e.g. one pair per metric. All pairs share
 * the same sign flips, so the p-values of the metrics come from one set of resamples.
 */
export function pairedRandomizationTests(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  options: Pick<ResamplingOptions, 'resamples' | 'seed'> = {},
): PairedTestResult[] {
  const { resamples, seed } = { ...DEFAULT_RESAMPLING, ...options };
  if (a.length !== b.length) {
    throw new ResamplingError(`${a.length} series against ${b.length}: they must pair up`);
  }
  const n = commonLength([...a, ...b]);
  const count = checkedResamples(resamples);
  const diffs = a.map((series, m) => series.map((x, i) => b[m][i] - x));
  const observed = diffs.map((d) => Math.abs(d.reduce((sum, x) => sum + x, 0)));
  // A flipped sum that equals the observed one exactly may differ from it by rounding; the error
  // of an n-term float sum is below n·ε·Σ|d_i|, so within that we count it as a tie (≥).
  const slack = diffs.map((d) => n * Number.EPSILON * d.reduce((sum, x) => sum + Math.abs(x), 0));
  const atLeast = new Array<number>(diffs.length).fill(0);
  const random = mulberry32(seed);
  const signs = new Float64Array(n);
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < n; i++) signs[i] = random() < 0.5 ? -1 : 1;
    diffs.forEach((d, m) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += signs[i] * d[i];
      if (Math.abs(sum) >= observed[m] - slack[m]) atLeast[m]++;
    });
  }
  return diffs.map((d, m) => ({
    meanDifference: d.reduce((sum, x) => sum + x, 0) / n,
    pValue: (1 + atLeast[m]) / (1 + count),
    resamples: count,
  }));
}

/** The paired randomisation test of one metric: is b's mean different from a's? */
export function pairedRandomizationTest(
  a: readonly number[],
  b: readonly number[],
  options: Pick<ResamplingOptions, 'resamples' | 'seed'> = {},
): PairedTestResult {
  return pairedRandomizationTests([a], [b], options)[0];
}
