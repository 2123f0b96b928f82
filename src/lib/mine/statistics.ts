/**
 * The summary `mine_hard_negatives` prints after mining: the score distribution of the positives,
 * of the kept negatives and of their difference, plus how many candidates each filter skipped.
 */
import type { MiningInput, MiningResult, SkipCounts } from './select.ts';

/** count, mean, sample standard deviation, min, quartiles (linear interpolation), max. */
export interface Distribution {
  count: number;
  mean: number;
  std: number;
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
}

/** Quantile p of sorted values, interpolating linearly between ranks (numpy's default). */
function quantile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** The distribution of `values`, or null when there are none. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return {
    count: n,
    mean,
    std: Math.sqrt(variance),
    min: sorted[0],
    q25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
    max: sorted[n - 1],
  };
}

export interface MiningStatistics {
  queries: number;
  /** Every (query, positive) score. */
  positive: Distribution | null;
  /** Every kept negative's score. */
  negative: Distribution | null;
  /** Per kept negative: its query's lowest positive score minus its own. */
  difference: Distribution | null;
  skipped: SkipCounts;
  /** Distinct candidates looked at, over all queries. */
  candidates: number;
  /** Queries with fewer negatives than asked. */
  short: number;
  rejected: number;
}

export function miningStatistics(input: MiningInput, result: MiningResult): MiningStatistics {
  const negatives = result.queries.flatMap((q) => q.negatives);
  return {
    queries: result.queries.length,
    positive: distribution(input.positives.flatMap((ps) => ps.map((p) => p.score))),
    negative: distribution(negatives.map((n) => n.score)),
    difference: distribution(
      result.queries.flatMap((q) => q.negatives.map((n) => q.positiveScore - n.score)),
    ),
    skipped: result.skipped,
    candidates: result.queries.reduce((s, q) => s + q.candidates, 0),
    short: result.short,
    rejected: result.queries.reduce((s, q) => s + q.rejected.length, 0),
  };
}
