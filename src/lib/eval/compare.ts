/**
 * Statistics over the per-query values of `evaluateRankings`: a bootstrap interval for each
 * metric of one system, and for two systems on the same queries the intervals of both, of
 * their difference, and the paired randomisation test's p-value.
 */
import {
  bootstrapCis,
  ResamplingError,
  type ConfidenceInterval,
  type ResamplingOptions,
} from './bootstrap.ts';
import { pairedRandomizationTests } from './significance.ts';

/** Means and per-query values of some metrics: `evaluateRankings` and `evaluateTrec` give one. */
export interface MetricTable {
  metrics: Record<string, number>;
  perQuery: ReadonlyMap<string, { values: Record<string, number> }>;
}

/** Per metric key, that metric's per-query values in the order of `queryIds`. */
export function perQuerySeries(result: MetricTable, queryIds: readonly string[]): number[][] {
  return Object.keys(result.metrics).map((key) =>
    queryIds.map((id) => {
      const query = result.perQuery.get(id);
      if (!query) throw new ResamplingError(`query "${id}" was evaluated for one system only`);
      return query.values[key];
    }),
  );
}

/** A bootstrap interval of every metric of one system. */
export function metricIntervals(
  result: MetricTable,
  options: ResamplingOptions = {},
): Record<string, ConfidenceInterval> {
  const keys = Object.keys(result.metrics);
  const intervals = bootstrapCis(perQuerySeries(result, [...result.perQuery.keys()]), options);
  return Object.fromEntries(keys.map((key, m) => [key, intervals[m]]));
}

export interface MetricComparison {
  base: ConfidenceInterval;
  tuned: ConfidenceInterval;
  /** Of tuned − base, from the same (paired) resamples. */
  difference: ConfidenceInterval;
  /** Paired randomisation test, two-sided. */
  pValue: number;
}

/**
 * Compares two systems metric by metric. Both must have been evaluated on the same queries
 * (same queries file and qrels), which is what makes the resampling paired.
 */
export function compareSystems(
  base: MetricTable,
  tuned: MetricTable,
  options: ResamplingOptions = {},
): Record<string, MetricComparison> {
  const keys = Object.keys(base.metrics);
  const otherKeys = Object.keys(tuned.metrics);
  if (keys.join() !== otherKeys.join()) {
    throw new ResamplingError(`metrics differ: ${keys.join(', ')} vs ${otherKeys.join(', ')}`);
  }
  if (base.perQuery.size !== tuned.perQuery.size) {
    throw new ResamplingError(
      `${base.perQuery.size} evaluated queries vs ${tuned.perQuery.size}: compare on the same queries`,
    );
  }
  const queryIds = [...base.perQuery.keys()];
  const a = perQuerySeries(base, queryIds);
  const b = perQuerySeries(tuned, queryIds);
  const differences = a.map((series, m) => series.map((x, i) => b[m][i] - x));
  const intervals = bootstrapCis([...a, ...b, ...differences], options);
  const tests = pairedRandomizationTests(a, b, options);
  const m = keys.length;
  return Object.fromEntries(
    keys.map((key, i) => [
      key,
      {
        base: intervals[i],
        tuned: intervals[m + i],
        difference: intervals[2 * m + i],
        pValue: tests[i].pValue,
      },
    ]),
  );
}
