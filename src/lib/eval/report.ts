/**
 * The JSON shape of an evaluation report (the CLI's `--report`, the Evaluate page's download):
 * the metric keys at the top level of each system (`ndcg@10`, `mrr@10`, …), per-query values
 * under `perQuery`, and with a second system the paired comparison under `comparison`.
 */
import {
  DEFAULT_RESAMPLING,
  type ConfidenceInterval,
  type ResamplingOptions,
} from './bootstrap.ts';
import { compareSystems, metricIntervals, type MetricComparison } from './compare.ts';
import { addEvidence, type Comparison, type GradedReport } from './evidence.ts';
import type { RetrievalMetrics } from './metrics.ts';
import type { RetrievalResult, RetrievalTask } from './retrieval.ts';

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

/** One evaluated model and how the report names it (`hub:repo@revision`, a folder, …). */
export interface SystemResult {
  name: string;
  result: RetrievalResult;
}

/** Which data a report is about; `missingDocIds` is computed from the task when not given. */
export interface ReportDataset {
  name: string;
  split: string;
  missingDocIds?: string[];
}

/** Relevant ids the corpus lacks (they count as never retrieved). */
export function missingDocIds(task: RetrievalTask): string[] {
  const corpus = new Set(task.corpus.map((d) => d.id));
  const relevant = new Set([...task.relevant.values()].flatMap((ids) => [...ids]));
  return [...relevant].filter((id) => !corpus.has(id));
}

/** The report's `dataset` block; `reference` is the result whose evaluated and dropped queries it counts. */
export function reportDataset(
  task: RetrievalTask,
  dataset: ReportDataset,
  reference: RetrievalMetrics | undefined,
): EvaluationReport['dataset'] {
  return {
    name: dataset.name,
    split: dataset.split,
    documents: task.corpus.length,
    queries: task.queries.length,
    evaluated: reference?.perQuery.size ?? 0,
    dropped: reference?.dropped ?? [],
    missingDocIds: dataset.missingDocIds ?? missingDocIds(task),
  };
}

/**
 * The evaluation report of one model, or of a base and a compared model on the same task:
 * every metric's bootstrap interval and trec_eval's graded measures, and with a compared model the
 * paired comparison and the Holm-adjusted family of tests. The CLI's
 * `eval --report` and the Evaluate page's download are this object.
 */
export function evaluationReport(input: {
  task: RetrievalTask;
  dataset: ReportDataset;
  base: SystemResult;
  compared: SystemResult | null;
  resampling?: ResamplingOptions;
}): EvaluationReport {
  const { base, compared } = input;
  const resampling = { ...DEFAULT_RESAMPLING, ...input.resampling };
  const report: EvaluationReport = {
    ...systemReport(base.name, base.result, metricIntervals(base.result, resampling)),
    dataset: reportDataset(input.task, input.dataset, base.result),
    resampling,
  };
  if (compared) {
    report.compare = systemReport(
      compared.name,
      compared.result,
      metricIntervals(compared.result, resampling),
    );
    report.comparison = compareSystems(base.result, compared.result, resampling);
  }
  addEvidence(report, input.task, base.result, compared?.result ?? null, resampling);
  return report;
}
