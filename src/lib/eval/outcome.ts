/**
 * What the Evaluate page shows after a run, from one or two `evaluateRetrieval` results on the
 * same task: each metric's mean with its bootstrap interval (and, with a tuned system, the
 * interval of the difference and the paired test's p-value), one row per evaluated query with
 * its first relevant rank, nDCG@10 and top-10 list under each system, and the JSON report the
 * CLI writes too. Plain data, so it crosses a worker boundary as it is.
 */
import type { ConfidenceInterval, ResamplingOptions } from './bootstrap.ts';
import type { Comparison, MetricSource } from './evidence.ts';
import { evaluationReport, type EvaluationReport, type SystemResult } from './report.ts';
import type { RetrievalResult, RetrievalTask } from './retrieval.ts';

/** How many hits of each query the per-query view lists. */
export const TOP_LIST_LENGTH = 10;

/** The per-query metric the scatter plot and the "change" column use. */
export const QUERY_METRIC = 'ndcg@10';

export type { SystemResult };

export interface MetricRow {
  key: string;
  base: ConfidenceInterval;
  tuned: ConfidenceInterval | null;
  /** Of tuned − base, from the same resampled queries. */
  difference: ConfidenceInterval | null;
  /** Paired randomisation test, two-sided. */
  pValue: number | null;
  /** The metric's place in the Holm-adjusted family of the comparison, with its effect size. */
  test: Comparison | null;
}

export interface Hit {
  docId: string;
  score: number;
  relevant: boolean;
}

/** One query under one system. */
export interface QuerySide {
  /** 1-based, among the hits kept (the deepest metric cut-off); null when none was relevant. */
  firstRelevantRank: number | null;
  ndcg10: number;
  top: Hit[];
}

export interface QueryRow {
  id: string;
  text: string;
  /** Ids of the query's relevant documents. */
  relevant: string[];
  base: QuerySide;
  tuned: QuerySide | null;
  /** tuned − base nDCG@10; null without a tuned system. */
  change: number | null;
}

export interface EvaluationOutcome {
  dataset: { name: string; documents: number; queries: number; evaluated: number; dropped: number };
  systems: { base: string; tuned: string | null };
  /** sentence-transformers' binary metrics. */
  metrics: MetricRow[];
  /** trec_eval 10.0's graded measures of the same rankings, over every judged query. */
  graded: MetricRow[];
  queries: QueryRow[];
  /** Text of every document that a top list shows or a query has as relevant. */
  documents: Record<string, string>;
  report: EvaluationReport;
}

export interface OutcomeInput {
  task: RetrievalTask;
  dataset: { name: string; split: string };
  base: SystemResult;
  tuned: SystemResult | null;
  resampling?: ResamplingOptions;
}

function querySide(
  result: RetrievalResult,
  queryId: string,
  relevant: ReadonlySet<string>,
): QuerySide {
  const evaluated = result.perQuery.get(queryId);
  if (!evaluated) throw new Error(`query "${queryId}" was not evaluated for every system`);
  return {
    firstRelevantRank: evaluated.firstRelevantRank,
    ndcg10: evaluated.values[QUERY_METRIC],
    top: (result.rankings.get(queryId) ?? []).slice(0, TOP_LIST_LENGTH).map((hit) => ({
      docId: hit.docId,
      score: hit.score,
      relevant: relevant.has(hit.docId),
    })),
  };
}

export function evaluationOutcome(input: OutcomeInput): EvaluationOutcome {
  const { task, base, tuned } = input;
  const report = evaluationReport({
    task,
    dataset: input.dataset,
    base,
    compared: tuned,
    resampling: input.resampling,
  });
  const comparison = report.comparison;

  const corpusText = new Map(task.corpus.map((d) => [d.id, d.text]));
  const documents: Record<string, string> = {};
  const note = (docId: string) => {
    const text = corpusText.get(docId);
    if (text !== undefined) documents[docId] = text;
  };
  const queries: QueryRow[] = task.queries
    .filter((q) => base.result.perQuery.has(q.id))
    .map((q) => {
      const relevant = task.relevant.get(q.id) ?? new Set<string>();
      const row: QueryRow = {
        id: q.id,
        text: q.text,
        relevant: [...relevant],
        base: querySide(base.result, q.id, relevant),
        tuned: tuned ? querySide(tuned.result, q.id, relevant) : null,
        change: null,
      };
      if (row.tuned) row.change = row.tuned.ndcg10 - row.base.ndcg10;
      for (const id of row.relevant) note(id);
      for (const hit of [...row.base.top, ...(row.tuned?.top ?? [])]) note(hit.docId);
      return row;
    });

  const testOf = (source: MetricSource, key: string) =>
    report.comparisons?.find((c) => c.source === source && c.metric === key) ?? null;
  const metrics: MetricRow[] = Object.keys(base.result.metrics).map((key) => ({
    key,
    base: report.intervals[key],
    tuned: comparison?.[key].tuned ?? null,
    difference: comparison?.[key].difference ?? null,
    pValue: comparison?.[key].pValue ?? null,
    test: testOf('sentence-transformers', key),
  }));
  const graded: MetricRow[] = Object.entries(report.trec!.intervals).map(([key, interval]) => {
    const test = testOf('trec_eval', key);
    return {
      key,
      base: interval,
      tuned: test?.tuned ?? null,
      difference: test?.difference ?? null,
      pValue: test?.p ?? null,
      test,
    };
  });

  return {
    dataset: {
      name: input.dataset.name,
      documents: task.corpus.length,
      queries: task.queries.length,
      evaluated: base.result.perQuery.size,
      dropped: base.result.dropped.length,
    },
    systems: { base: base.name, tuned: tuned?.name ?? null },
    metrics,
    graded,
    queries,
    documents,
    report,
  };
}
