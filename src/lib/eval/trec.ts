/**
 * The graded measures of trec_eval 10.0 (usnistgov/trec_eval), computed as it computes them, so
 * that `trec_eval -m ndcg_cut.10 -m P.10 -m recall.100 -m map_cut.100 -m recip_rank` on the
 * kit's qrels and run files prints these numbers:
 *
 * - Order: a query's results are sorted by score, descending; equal scores by document id,
 *   descending (`strcmp`, i.e. byte order, which for UTF-8 is code-point order). The rank column
 *   of a run file is ignored.
 * - Grades: a judged document has its integer grade; an unjudged one counts as not relevant. A
 *   document is relevant when its grade ≥ 1 (trec_eval's default `relevance_level`).
 * - ndcg_cut_k = Σ_{i ≤ k} g_i / log2(i + 1) over the ranked documents with g_i > 0, divided by
 *   the same sum over every judged grade of the query sorted descending (the ideal ranking);
 *   0 when the query has no grade above 0.
 * - P_k = |relevant in the top k| / k (k, even when fewer documents were retrieved).
 * - recall_k = |relevant in the top k| / |relevant judged|; 0 when nothing is relevant.
 * - map_cut_k = Σ over relevant ranks i ≤ k of (relevant in 1..i) / i, divided by every relevant
 *   judged document (not by min(k, R) as sentence-transformers does); 0 when nothing is relevant.
 * - recip_rank = 1 / rank of the first relevant document, anywhere in the results; else 0.
 * - Queries: every query of the qrels, including one judged only with grade 0 (its measures are
 *   all 0 and it counts in the mean, where sentence-transformers drops it). A run's query that
 *   the qrels lack is ignored. A qrels query without results stops trec_eval ("result qid not
 *   found"), so here it is an error too.
 * - Means: arithmetic over those queries.
 */
import type { ScoredDoc } from './metrics.ts';

/** Query id → document id → judged grade (0 = judged not relevant; BEIR and TREC grade 0–3). */
export type Judgements = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** The measures, named as trec_eval prints them. */
export const TREC_MEASURES = ['ndcg_cut_10', 'P_10', 'recall_100', 'map_cut_100', 'recip_rank'];

/** trec_eval's `-m` arguments that print `TREC_MEASURES`. */
export const TREC_EVAL_ARGS = [
  ...['-m', 'ndcg_cut.10', '-m', 'P.10', '-m', 'recall.100'],
  ...['-m', 'map_cut.100', '-m', 'recip_rank'],
];

/** trec_eval's `relevance_level`: the lowest grade counted as relevant. */
export const RELEVANCE_LEVEL = 1;

export class TrecError extends Error {
  override name = 'TrecError';
}

/** Byte order of the UTF-8 encodings, which is the order of the code points. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Results in trec_eval's order: score descending, then document id descending. */
export function trecOrder(hits: readonly ScoredDoc[]): ScoredDoc[] {
  return [...hits].sort((a, b) => b.score - a.score || compareCodePoints(b.docId, a.docId));
}

/**
 * The measures of one query. `grades[i]` is the judged grade of the document at rank i + 1 in
 * trec_eval's order (null when unjudged); `judged` is every grade the qrels give the query.
 */
export function trecQueryMeasures(
  grades: readonly (number | null)[],
  judged: Iterable<number>,
): Record<string, number> {
  const all = [...judged];
  const gains = all.filter((g) => g > 0).sort((a, b) => b - a);
  const numRelevant = all.filter((g) => g >= RELEVANCE_LEVEL).length;
  const isRelevant = (g: number | null) => g !== null && g >= RELEVANCE_LEVEL;

  let dcg = 0;
  for (let i = 0; i < Math.min(10, grades.length); i++) {
    const g = grades[i];
    if (g !== null && g > 0) dcg += g / Math.log2(i + 2);
  }
  let ideal = 0;
  for (let i = 0; i < Math.min(10, gains.length); i++) ideal += gains[i] / Math.log2(i + 2);

  let relevantAt10 = 0;
  let relevantAt100 = 0;
  let precisionSum = 0;
  let firstRelevant = 0;
  for (let i = 0; i < Math.min(100, grades.length); i++) {
    if (!isRelevant(grades[i])) continue;
    relevantAt100++;
    if (i < 10) relevantAt10++;
    precisionSum += relevantAt100 / (i + 1);
  }
  const first = grades.findIndex(isRelevant);
  if (first >= 0) firstRelevant = 1 / (first + 1);

  return {
    ndcg_cut_10: ideal > 0 ? dcg / ideal : 0,
    P_10: relevantAt10 / 10,
    recall_100: numRelevant > 0 ? relevantAt100 / numRelevant : 0,
    map_cut_100: numRelevant > 0 ? precisionSum / numRelevant : 0,
    recip_rank: firstRelevant,
  };
}

export interface TrecResult {
  /** Measure → mean over the evaluated queries. */
  metrics: Record<string, number>;
  /** Every judged query, in the order of the rankings. */
  perQuery: Map<string, { values: Record<string, number> }>;
}

/**
 * trec_eval over `rankings` (query id → its results, any order) and `judgements`: the queries
 * are those both name, in the order of `rankings`; a judged query without a ranking throws.
 */
export function evaluateTrec(
  rankings: ReadonlyMap<string, readonly ScoredDoc[]>,
  judgements: Judgements,
): TrecResult {
  const unranked = [...judgements.keys()].filter((id) => !rankings.has(id));
  if (unranked.length > 0) {
    throw new TrecError(
      `judged queries without results: ${unranked.slice(0, 5).join(', ')} (trec_eval stops on them)`,
    );
  }
  const perQuery = new Map<string, { values: Record<string, number> }>();
  for (const [queryId, hits] of rankings) {
    const judged = judgements.get(queryId);
    if (!judged) continue;
    const grades = trecOrder(hits).map((hit) => judged.get(hit.docId) ?? null);
    perQuery.set(queryId, { values: trecQueryMeasures(grades, judged.values()) });
  }
  if (perQuery.size === 0) throw new TrecError('no query has both results and judgements');
  const metrics: Record<string, number> = {};
  for (const key of TREC_MEASURES) {
    let sum = 0;
    for (const { values } of perQuery.values()) sum += values[key];
    metrics[key] = sum / perQuery.size;
  }
  return { metrics, perQuery };
}

/** Binary judgements (grade 1) from relevant sets, for tasks that carry no grades. */
export function binaryJudgements(
  relevant: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, Map<string, number>> {
  return new Map(
    [...relevant].map(([queryId, ids]) => [queryId, new Map([...ids].map((id) => [id, 1]))]),
  );
}

/** Judgements from `[query id, document id, grade]` rows; a repeated pair keeps its last grade. */
export function judgementsFromRows(
  rows: Iterable<readonly [string, string, number]>,
): Map<string, Map<string, number>> {
  const judgements = new Map<string, Map<string, number>>();
  for (const [queryId, docId, grade] of rows) {
    judgements.set(queryId, (judgements.get(queryId) ?? new Map()).set(docId, grade));
  }
  return judgements;
}
