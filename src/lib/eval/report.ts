/**
 * The JSON shape of an evaluation report (the CLI's `--report`, the Evaluate page's download):
 * the metric keys at the top level of each system (`ndcg@10`, `mrr@10`, …), per-query values
 * under `perQuery`, and with a second system the paired comparison under `comparison`.
 */
import type { ConfidenceInterval } from './bootstrap.ts';
import type { MetricComparison } from './compare.ts';
import type { Comparison, GradedReport } from './evidence.ts';
import type { RetrievalMetrics } from './metrics.ts';

/** One query's metric values and the rank of its first relevant document (null: not in the top k). */
export type QueryReport = Record<string, number | null>;

export interface SystemReport {
  model: string;
  /** Metric key (`ndcg@10`, …) → mean over the evaluated queries. */
  [metric: string]: unknown;
  intervals: Record<string, ConfidenceInterval>;
  perQuery: Record<string, QueryReport>;
  /** trec_eval 10.0's graded measures of the same rankings (`evidence.ts`). */
  trec?: GradedReport;
}

export function systemReport(
  model: string,
  result: RetrievalMetrics,
  intervals: Record<string, ConfidenceInterval>,
): SystemReport {
  const perQuery: Record<string, QueryReport> = {};
  for (const [id, query] of result.perQuery) {
    perQuery[id] = { ...query.values, firstRelevantRank: query.firstRelevantRank };
  }
  return { model, ...result.metrics, intervals, perQuery };
}

export interface EvaluationReport extends SystemReport {
  dataset: {
    name: string;
    split: string;
    documents: number;
    queries: number;
    evaluated: number;
    /** Query ids without a relevant document, left out of every mean. */
    dropped: string[];
    /** Relevant ids the corpus lacks (they still count in recall's denominator). */
    missingDocIds: string[];
  };
  resampling: { resamples: number; seed: number; level: number };
  compare?: SystemReport;
  /** Per metric: both systems' intervals, the interval of the difference, and the p-value. */
  comparison?: Record<string, MetricComparison>;
  /** Both metric sets as one family of paired tests, Holm-adjusted (`comparisonFamily`). */
  comparisons?: Comparison[];
}
