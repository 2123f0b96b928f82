/**
 * Model bake-off: 2–5 candidate base models evaluated zero-shot on one task, each exactly as a
 * single evaluation would (`evaluateModel`: same metrics, same bootstrap intervals), ranked by
 * nDCG@10. No model wins on every domain (BEIR, Thakur et al. 2021), so the ranking that decides
 * is the one built from the domain's own queries. The leader is tested against every other
 * candidate (paired randomisation test); those p-values are one family, Holm-adjusted, and the
 * leader is called better than the runner-up only when the adjusted p < 0.05. Beside the metrics, what decides whether a
 * model is practical here: its size, embedding width, token limit, how fast this machine embeds
 * with it, and the memory a training step on it would need.
 */
import {
  DEFAULT_RESAMPLING,
  type ConfidenceInterval,
  type ResamplingOptions,
} from './bootstrap.ts';
import { compareSystems, metricIntervals } from './compare.ts';
import { holmAdjust } from './holm.ts';
import { evaluateModel, type CandidateStats, type CandidateSummary } from './evaluate-model.ts';
import type { RetrievalMetrics } from './metrics.ts';
import { reportDataset, systemReport, type EvaluationReport, type SystemReport } from './report.ts';
import type { RetrievalStage, RetrievalTask } from './retrieval.ts';
import type { SentenceModel } from '../model/folder.ts';
import { throwIfCancelled } from '../util/cancel.ts';

/** The metric the ranking and the significance test use. */
export const RANKING_METRIC = 'ndcg@10';
/** "A is better" is said only below this p-value. */
export const SIGNIFICANCE_LEVEL = 0.05;
export const MIN_CANDIDATES = 2;
export const MAX_CANDIDATES = 5;

export class BakeoffError extends Error {
  override name = 'BakeoffError';
}

/** The top two on the ranking metric: the first's lead, and whether it is more than chance. */
export interface BakeoffVerdict {
  metric: string;
  first: string;
  second: string;
  /** Of first − second, from paired resamples of the queries. */
  difference: ConfidenceInterval;
  /** Paired randomisation test, two-sided. */
  pValue: number;
  /** Holm-adjusted over the leader's tests against every other candidate. */
  pHolm: number;
  /** pHolm < SIGNIFICANCE_LEVEL: only then is the first called better. */
  significant: boolean;
  /** The leader against each other candidate, best first: the family Holm adjusts. */
  family: { model: string; pValue: number; pHolm: number }[];
}

/** One model of the report: what `eval --report` writes for it alone, plus its rank and stats. */
export interface BakeoffModelReport extends SystemReport {
  rank: number;
  stats: CandidateStats;
}

export interface BakeoffReport {
  dataset: EvaluationReport['dataset'];
  resampling: EvaluationReport['resampling'];
  rankedBy: string;
  /** Best first. */
  models: BakeoffModelReport[];
  /** Null when fewer than two models were evaluated. */
  verdict: BakeoffVerdict | null;
  /** Candidates that could not be loaded or evaluated, and why. */
  failed: { model: string; error: string }[];
}

export interface EvaluatedCandidate {
  name: string;
  result: RetrievalMetrics;
  stats: CandidateStats;
}

export interface BakeoffReportInput {
  /** Every candidate evaluated, in the order they were given (ties on the metric keep it). */
  evaluated: readonly EvaluatedCandidate[];
  failed?: readonly { model: string; error: string }[];
  task: RetrievalTask;
  dataset: { name: string; split: string; missingDocIds: string[] };
  resampling?: ResamplingOptions;
}

/** Ranks evaluated models by nDCG@10 with their intervals and tests the top two. */
export function bakeoffReport(input: BakeoffReportInput): BakeoffReport {
  const resampling = { ...DEFAULT_RESAMPLING, ...input.resampling };
  // Array.prototype.sort is stable: models with equal scores keep the order they were given in.
  const ranked = [...input.evaluated].sort(
    (a, b) => b.result.metrics[RANKING_METRIC] - a.result.metrics[RANKING_METRIC],
  );
  const models = ranked.map(({ name, result, stats }, i) => ({
    rank: i + 1,
    ...systemReport(name, result, metricIntervals(result, resampling)),
    stats,
  }));
  let verdict: BakeoffVerdict | null = null;
  if (ranked.length >= 2) {
    const [first, ...others] = ranked;
    const tests = others.map(
      (other) => compareSystems(other.result, first.result, resampling)[RANKING_METRIC],
    );
    const adjusted = holmAdjust(tests.map((t) => t.pValue));
    verdict = {
      metric: RANKING_METRIC,
      first: first.name,
      second: others[0].name,
      difference: tests[0].difference,
      pValue: tests[0].pValue,
      pHolm: adjusted[0],
      significant: adjusted[0] < SIGNIFICANCE_LEVEL,
      family: others.map((o, i) => ({
        model: o.name,
        pValue: tests[i].pValue,
        pHolm: adjusted[i],
      })),
    };
  }
  return {
    dataset: reportDataset(input.task, input.dataset, ranked[0]?.result),
    resampling,
    rankedBy: RANKING_METRIC,
    models,
    verdict,
    failed: [...(input.failed ?? [])],
  };
}

const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

/** The verdict in words, as the CLI prints it and the Evaluate page shows it. */
export function verdictText(v: BakeoffVerdict): string {
  const lead = `${v.difference.mean >= 0 ? '+' : '−'}${Math.abs(v.difference.mean).toFixed(4)}`;
  const ci = `[${v.difference.lower.toFixed(4)}, ${v.difference.upper.toFixed(4)}]`;
  const holm = v.family.length > 1 ? `, Holm-adjusted over ${v.family.length} tests` : '';
  const numbers = `${v.metric} ${lead} ${ci}, ${pText(v.pHolm)}, paired randomisation test${holm}`;
  return v.significant
    ? `${v.first} is better than ${v.second} (${numbers}).`
    : `The difference between ${v.first} and ${v.second} is not significant (${numbers}): ` +
        'on these queries either is a reasonable base.';
}

/** A candidate to load when its turn comes, so only one model's weights are held at a time. */
export interface BakeoffCandidate {
  name: string;
  load: () => Promise<SentenceModel>;
}

export type BakeoffEvent =
  | { type: 'loading'; candidate: number }
  | { type: 'progress'; candidate: number; stage: RetrievalStage; done: number; total: number }
  | { type: 'evaluated'; candidate: number; stats: CandidateStats; score: number }
  | { type: 'failed'; candidate: number; error: string }
  | { type: 'statistics' };

export interface BakeoffOptions {
  task: RetrievalTask;
  dataset: BakeoffReportInput['dataset'];
  batchSize?: number;
  resampling?: ResamplingOptions;
  onEvent?: (event: BakeoffEvent) => void;
  /**
   * The person's Cancel: once aborted, a failure stops the bake-off with CancelledError, where
   * otherwise it only fails its candidate (a Hub model that is not found does not cost the
   * others their result).
   */
  signal?: AbortSignal;
  now?: () => number;
}

export interface BakeoffOutcome {
  report: BakeoffReport;
  /** By model name: what selecting it as the base model needs. */
  summaries: Record<string, CandidateSummary>;
}

/** Loads and evaluates the candidates one after another, then ranks them (`bakeoffReport`). */
export async function runBakeoff(
  candidates: readonly BakeoffCandidate[],
  options: BakeoffOptions,
): Promise<BakeoffOutcome> {
  const { task, onEvent, signal } = options;
  if (candidates.length < MIN_CANDIDATES || candidates.length > MAX_CANDIDATES) {
    throw new BakeoffError(
      `a bake-off compares ${MIN_CANDIDATES} to ${MAX_CANDIDATES} models, got ${candidates.length}`,
    );
  }
  const names = candidates.map((c) => c.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new BakeoffError(`"${twice}" is a candidate twice`);

  const evaluated: EvaluatedCandidate[] = [];
  const failed: { model: string; error: string }[] = [];
  const summaries: Record<string, CandidateSummary> = {};
  for (const [i, candidate] of candidates.entries()) {
    try {
      onEvent?.({ type: 'loading', candidate: i });
      const model = await candidate.load();
      const evaluation = await evaluateModel(model, task, {
        batchSize: options.batchSize,
        now: options.now,
        onProgress: (stage, done, total) =>
          onEvent?.({ type: 'progress', candidate: i, stage, done, total }),
      });
      evaluated.push({ name: candidate.name, result: evaluation.result, stats: evaluation.stats });
      summaries[candidate.name] = evaluation.summary;
      const score = evaluation.result.metrics[RANKING_METRIC];
      onEvent?.({ type: 'evaluated', candidate: i, stats: evaluation.stats, score });
    } catch (e) {
      throwIfCancelled(signal, 'the bake-off');
      const error = e instanceof Error ? e.message : String(e);
      failed.push({ model: candidate.name, error });
      onEvent?.({ type: 'failed', candidate: i, error });
    }
  }
  onEvent?.({ type: 'statistics' });
  const report = bakeoffReport({
    evaluated,
    failed,
    task,
    dataset: options.dataset,
    resampling: options.resampling,
  });
  return { report, summaries };
}
