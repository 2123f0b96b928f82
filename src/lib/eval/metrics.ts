/**
 * Retrieval metrics, exactly as sentence-transformers' `InformationRetrievalEvaluator`
 * (`compute_metrics`): binary relevance, each metric averaged over the queries that have at
 * least one relevant document. For one query with ranked hits h_1..h_n and relevant set R:
 *
 *   accuracy@k  = 1 if some h_i ∈ R with i ≤ k, else 0
 *   precision@k = |{i ≤ k : h_i ∈ R}| / k            (k, even when fewer than k hits exist)
 *   recall@k    = |{i ≤ k : h_i ∈ R}| / |R|
 *   mrr@k       = 1 / (first i ≤ k with h_i ∈ R), else 0
 *   ndcg@k      = Σ_{i ≤ k, h_i ∈ R} 1/log2(i+1)  /  Σ_{i ≤ min(|R|, k)} 1/log2(i+1)
 *   map@k       = Σ_{i ≤ k, h_i ∈ R} (hits in 1..i) / i  /  min(k, |R|)
 *
 * |R| counts every relevant id of the qrels, including ids the corpus lacks, as the reference
 * does. The hits are ordered by score, descending; hits with equal scores keep the order they
 * were given in (see `exactTopK`, which lists equal scores by corpus position).
 */

/** One retrieved document of a query's ranking. */
export interface ScoredDoc {
  docId: string;
  score: number;
}

/** Query id → the ids of its relevant documents. */
export type Qrels = ReadonlyMap<string, ReadonlySet<string>>;

/** Which cut-offs to compute; the defaults are the reference's. */
export interface MetricConfig {
  ndcgAtK: readonly number[];
  mrrAtK: readonly number[];
  mapAtK: readonly number[];
  precisionRecallAtK: readonly number[];
  accuracyAtK: readonly number[];
}

export const DEFAULT_METRIC_CONFIG: MetricConfig = Object.freeze({
  ndcgAtK: Object.freeze([10]),
  mrrAtK: Object.freeze([10]),
  mapAtK: Object.freeze([100]),
  precisionRecallAtK: Object.freeze([1, 3, 5, 10]),
  accuracyAtK: Object.freeze([1, 3, 5, 10]),
});

/** The metric names in report order: `ndcg@10`, `mrr@10`, `map@100`, `recall@1`, …. */
export function metricKeys(config: MetricConfig = DEFAULT_METRIC_CONFIG): string[] {
  return [
    ...config.ndcgAtK.map((k) => `ndcg@${k}`),
    ...config.mrrAtK.map((k) => `mrr@${k}`),
    ...config.mapAtK.map((k) => `map@${k}`),
    ...config.precisionRecallAtK.map((k) => `recall@${k}`),
    ...config.precisionRecallAtK.map((k) => `precision@${k}`),
    ...config.accuracyAtK.map((k) => `accuracy@${k}`),
  ];
}

/** The deepest cut-off any metric needs: how many hits per query the search must return. */
export function maxK(config: MetricConfig = DEFAULT_METRIC_CONFIG): number {
  return Math.max(
    ...config.ndcgAtK,
    ...config.mrrAtK,
    ...config.mapAtK,
    ...config.precisionRecallAtK,
    ...config.accuracyAtK,
  );
}

/** `relevant[i]` says whether the hit at rank i+1 is relevant. */
type Relevance = readonly boolean[];

function hitsInTopK(relevant: Relevance, k: number): number {
  let hits = 0;
  for (let i = 0; i < Math.min(k, relevant.length); i++) if (relevant[i]) hits++;
  return hits;
}

export function accuracyAtK(relevant: Relevance, k: number): number {
  return hitsInTopK(relevant, k) > 0 ? 1 : 0;
}

export function precisionAtK(relevant: Relevance, k: number): number {
  return hitsInTopK(relevant, k) / k;
}

export function recallAtK(relevant: Relevance, numRelevant: number, k: number): number {
  return hitsInTopK(relevant, k) / numRelevant;
}

export function mrrAtK(relevant: Relevance, k: number): number {
  const rank = firstRelevantRank(relevant);
  return rank !== null && rank <= k ? 1 / rank : 0;
}

export function ndcgAtK(relevant: Relevance, numRelevant: number, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, relevant.length); i++)
    if (relevant[i]) dcg += 1 / Math.log2(i + 2);
  let idealDcg = 0;
  for (let i = 0; i < Math.min(k, numRelevant); i++) idealDcg += 1 / Math.log2(i + 2);
  return dcg / idealDcg;
}

export function averagePrecisionAtK(relevant: Relevance, numRelevant: number, k: number): number {
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(k, relevant.length); i++) {
    if (!relevant[i]) continue;
    hits++;
    sum += hits / (i + 1);
  }
  return sum / Math.min(k, numRelevant);
}

/** 1-based rank of the first relevant hit anywhere in the ranking, or null. */
export function firstRelevantRank(relevant: Relevance): number | null {
  const i = relevant.indexOf(true);
  return i < 0 ? null : i + 1;
}

/** One evaluated query: its metric values and where its first relevant document landed. */
export interface QueryResult {
  values: Record<string, number>;
  /** 1-based, within the returned hits; null when no relevant document was returned. */
  firstRelevantRank: number | null;
  numRelevant: number;
}

export interface RetrievalMetrics {
  /** Mean over the evaluated queries, keyed as `metricKeys` lists them. */
  metrics: Record<string, number>;
  /** Per evaluated query id, in the order the rankings were given. */
  perQuery: Map<string, QueryResult>;
  /** Query ids left out because the qrels give them no relevant document. */
  dropped: string[];
}

/** Values of every configured metric for one query's ranking (already in rank order). */
export function queryMetrics(
  relevant: Relevance,
  numRelevant: number,
  config: MetricConfig = DEFAULT_METRIC_CONFIG,
): Record<string, number> {
  const values: Record<string, number> = {};
  for (const k of config.ndcgAtK) values[`ndcg@${k}`] = ndcgAtK(relevant, numRelevant, k);
  for (const k of config.mrrAtK) values[`mrr@${k}`] = mrrAtK(relevant, k);
  for (const k of config.mapAtK) values[`map@${k}`] = averagePrecisionAtK(relevant, numRelevant, k);
  for (const k of config.precisionRecallAtK) {
    values[`recall@${k}`] = recallAtK(relevant, numRelevant, k);
  }
  for (const k of config.precisionRecallAtK) values[`precision@${k}`] = precisionAtK(relevant, k);
  for (const k of config.accuracyAtK) values[`accuracy@${k}`] = accuracyAtK(relevant, k);
  return values;
}

/** Every query was dropped: a mean over no queries means nothing, so there is no result. */
export class NoRelevantQueriesError extends Error {
  override name = 'NoRelevantQueriesError';
  constructor(readonly queries: number) {
    super(
      `none of the ${queries} queries has a relevant document in the qrels ` +
        '(a relevant document is a qrels row with a score above 0); check the split and the ids',
    );
  }
}

/** Sorts by score, descending; `Array.prototype.sort` is stable, so ties keep the given order. */
function byScore(hits: readonly ScoredDoc[]): ScoredDoc[] {
  return [...hits].sort((a, b) => b.score - a.score);
}

/**
 * Scores every query of `rankings` (query id → its hits) against `qrels`. Queries without a
 * relevant document are dropped and listed, as the reference drops them; qrels of queries that
 * have no ranking are ignored.
 */
export function evaluateRankings(
  rankings: ReadonlyMap<string, readonly ScoredDoc[]>,
  qrels: Qrels,
  config: MetricConfig = DEFAULT_METRIC_CONFIG,
): RetrievalMetrics {
  const keys = metricKeys(config);
  const perQuery = new Map<string, QueryResult>();
  const dropped: string[] = [];
  for (const [queryId, hits] of rankings) {
    const relevantIds = qrels.get(queryId);
    if (!relevantIds || relevantIds.size === 0) {
      dropped.push(queryId);
      continue;
    }
    const relevant = byScore(hits).map((hit) => relevantIds.has(hit.docId));
    perQuery.set(queryId, {
      values: queryMetrics(relevant, relevantIds.size, config),
      firstRelevantRank: firstRelevantRank(relevant),
      numRelevant: relevantIds.size,
    });
  }
  if (perQuery.size === 0) throw new NoRelevantQueriesError(rankings.size);
  const metrics: Record<string, number> = {};
  for (const key of keys) {
    let sum = 0;
    for (const result of perQuery.values()) sum += result.values[key];
    metrics[key] = sum / perQuery.size;
  }
  return { metrics, perQuery, dropped };
}
