/**
 * The evidence a third party can check, beside sentence-transformers' binary metrics: the same
 * rankings scored by trec_eval 10.0's graded measures (`trec.ts`), and, when two systems are
 * compared, one family of paired tests over both metric sets with Holm-adjusted p-values
 * (`holm.ts`), an effect size and per-query wins/ties/losses beside each difference. A verdict
 * ("significant") uses the adjusted p-value.
 */
import type { ConfidenceInterval, ResamplingOptions } from './bootstrap.ts';
import { compareSystems, metricIntervals, perQuerySeries, type MetricTable } from './compare.ts';
import { pairedEffect } from './effect-size.ts';
import { holmAdjust } from './holm.ts';
import type { EvaluationReport } from './report.ts';
import type { RetrievalResult, RetrievalTask } from './retrieval.ts';
import { binaryJudgements, evaluateTrec, type Judgements, type TrecResult } from './trec.ts';

/** A difference is called significant when its Holm-adjusted p-value is below this. */
export const SIGNIFICANCE_LEVEL = 0.05;

/** Where a metric's definition comes from; each figure is named for it. */
export type MetricSource = 'sentence-transformers' | 'trec_eval';

/** One metric of one comparison: tuned (or `compare`) against base, on the same queries. */
export interface Comparison {
  metric: string;
  source: MetricSource;
  base: ConfidenceInterval;
  tuned: ConfidenceInterval;
  /** Of tuned − base, from paired resamples. */
  difference: ConfidenceInterval;
  /** Paired randomisation test, two-sided. */
  p: number;
  /** Holm-adjusted over every metric of the comparison (both sources). */
  pHolm: number;
  /** Cohen's d_z of the per-query differences; null when they do not vary. */
  effectSize: number | null;
  /** Queries where tuned scores higher, equal, lower. */
  wins: number;
  ties: number;
  losses: number;
  /** pHolm < SIGNIFICANCE_LEVEL. */
  significant: boolean;
}

/** The graded judgements of a task: its own, or its relevant sets as grade 1. */
export function taskJudgements(task: RetrievalTask): Judgements {
  return task.judgements ?? binaryJudgements(task.relevant);
}

/** trec_eval's measures of one system's rankings on a task. */
export function gradedMetrics(result: RetrievalResult, task: RetrievalTask): TrecResult {
  return evaluateTrec(result.rankings, taskJudgements(task));
}

/** What a report holds of a system's graded measures. */
export interface GradedReport {
  /** Measure (`ndcg_cut_10`, …) → mean over every judged query, as trec_eval prints it. */
  metrics: Record<string, number>;
  intervals: Record<string, ConfidenceInterval>;
  perQuery: Record<string, Record<string, number>>;
}

export function gradedReport(result: TrecResult, resampling: ResamplingOptions): GradedReport {
  const perQuery: Record<string, Record<string, number>> = {};
  for (const [id, query] of result.perQuery) perQuery[id] = { ...query.values };
  return { metrics: result.metrics, intervals: metricIntervals(result, resampling), perQuery };
}

/** Both metric sets of one system. */
export interface SystemMetrics {
  binary: MetricTable;
  graded: MetricTable;
}

/**
 * Every metric of base and tuned as one family: paired tests per source (each on its own
 * queries: sentence-transformers drops queries with nothing relevant, trec_eval keeps them),
 * then Holm over all of the p-values together.
 */
export function comparisonFamily(
  base: SystemMetrics,
  tuned: SystemMetrics,
  resampling: ResamplingOptions,
): Comparison[] {
  const sources: [MetricSource, MetricTable, MetricTable][] = [
    ['sentence-transformers', base.binary, tuned.binary],
    ['trec_eval', base.graded, tuned.graded],
  ];
  const rows = sources.flatMap(([source, a, b]) => {
    const compared = compareSystems(a, b, resampling);
    const queryIds = [...a.perQuery.keys()];
    const aSeries = perQuerySeries(a, queryIds);
    const bSeries = perQuerySeries(b, queryIds);
    return Object.keys(a.metrics).map((metric, m) => {
      const c = compared[metric];
      return {
        metric,
        source,
        base: c.base,
        tuned: c.tuned,
        difference: c.difference,
        p: c.pValue,
        ...pairedEffect(aSeries[m], bSeries[m]),
      };
    });
  });
  const adjusted = holmAdjust(rows.map((r) => r.p));
  return rows.map(({ effectSize, wins, ties, losses, ...row }, i) => ({
    ...row,
    pHolm: adjusted[i],
    effectSize,
    wins,
    ties,
    losses,
    significant: adjusted[i] < SIGNIFICANCE_LEVEL,
  }));
}

/**
 * Adds the graded measures of each system to `report` (as `trec`), and with a second system the
 * comparison family (`comparisons`). `report` is the one `eval --report` writes.
 */
export function addEvidence(
  report: EvaluationReport,
  task: RetrievalTask,
  base: RetrievalResult,
  tuned: RetrievalResult | null,
  resampling: ResamplingOptions,
): void {
  const baseGraded = gradedMetrics(base, task);
  report.trec = gradedReport(baseGraded, resampling);
  if (!tuned || !report.compare) return;
  const tunedGraded = gradedMetrics(tuned, task);
  report.compare.trec = gradedReport(tunedGraded, resampling);
  report.comparisons = comparisonFamily(
    { binary: base, graded: baseGraded },
    { binary: tuned, graded: tunedGraded },
    resampling,
  );
}
