/**
 * Reranking as a system to evaluate: the bi-encoder's top `top` documents of each query, scored
 * again by a cross-encoder (sentence-transformers' retrieve-and-rerank), best first by that
 * score; documents below the top keep the bi-encoder's order after them. The result is a ranking
 * like any other, so the same metrics, intervals and paired tests apply to it.
 */
import type { PairPredictor, ScoringOptions } from '../model/cross-encoder.ts';
import type { ResamplingOptions } from './bootstrap.ts';
import { compareSystems, metricIntervals, type MetricComparison } from './compare.ts';
import { evaluateRankings, type RetrievalMetrics, type ScoredDoc } from './metrics.ts';
import { systemReport, type SystemReport } from './report.ts';
import type { RetrievalResult, RetrievalTask } from './retrieval.ts';

/** What reranking needs of a cross-encoder: its scores. */
export type RerankScorer = Omit<PairPredictor<'scores'>, 'labels'>;

/**
 * Reranks `rankings` (query id → documents, best first) with the cross-encoder. Below the top,
 * a document's score is moved under the lowest reranked one so that any later sort by score
 * keeps the order given here.
 */
export async function rerankRankings(
  scorer: RerankScorer,
  task: RetrievalTask,
  rankings: ReadonlyMap<string, readonly ScoredDoc[]>,
  top: number,
  options: ScoringOptions = {},
): Promise<Map<string, ScoredDoc[]>> {
  if (!Number.isInteger(top) || top < 1) throw new RangeError(`top must be ≥ 1, got ${top}`);
  const queryText = new Map(task.queries.map((q) => [q.id, q.text]));
  const docText = new Map(task.corpus.map((d) => [d.id, d.text]));
  const entries = [...rankings];
  const pairs = entries.flatMap(([queryId, docs]) =>
    docs
      .slice(0, top)
      .map((d) => ({ query: queryText.get(queryId)!, document: docText.get(d.docId)! })),
  );
  const { scores } = await scorer.predict(pairs, options);
  let at = 0;
  const out = new Map<string, ScoredDoc[]>();
  for (const [queryId, docs] of entries) {
    const head = docs
      .slice(0, top)
      .map((d, i) => ({ d: { docId: d.docId, score: scores[at++][0] }, i }))
      // Ties keep the bi-encoder's order.
      .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
      .map(({ d }) => d);
    const floor = Math.min(...head.map((d) => d.score));
    const tail = docs.slice(top).map((d, i) => ({ docId: d.docId, score: floor - 1 - i }));
    out.set(queryId, [...head, ...tail]);
  }
  return out;
}

/** A reranked system as a report shows it: its metrics with intervals, and the paired comparison. */
export interface RerankSection {
  rerank: SystemReport;
  /** First stage (`base`) vs reranked (`tuned`), per metric, on the same resamples. */
  rerankComparison: Record<string, MetricComparison>;
}

/**
 * "Bi-encoder top `top`, then the cross-encoder" evaluated as a second system against the
 * first-stage `first` alone, with the same bootstrap intervals and paired tests (CLI
 * `eval --rerank`, the Evaluate page's "rerank with").
 */
export async function rerankedSystem(
  scorer: RerankScorer,
  task: RetrievalTask,
  first: RetrievalResult,
  top: number,
  options: ScoringOptions & { name: string; resampling: ResamplingOptions },
): Promise<RerankSection> {
  const rankings = await rerankRankings(scorer, task, first.rankings, top, options);
  const reranked: RetrievalMetrics = evaluateRankings(rankings, task.relevant);
  return {
    rerank: systemReport(options.name, reranked, metricIntervals(reranked, options.resampling)),
    rerankComparison: compareSystems(first, reranked, options.resampling),
  };
}
