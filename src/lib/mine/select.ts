/**
 * Selection of hard negatives from rankings, as sentence-transformers' `mine_hard_negatives`
 * does it once the corpus is ranked:
 *
 *   1. take the top `window = rangeMax + maxPositives` distinct texts of the query's ranking
 *      (the reference de-duplicates its corpus first; here a repeat is skipped and counted);
 *   2. remove the query's positives (and any text equal to one);
 *   3. remove likely false negatives, against the query's lowest positive score p
 *      ("the harder positive", the reference's choice when a query has several), in this order:
 *        absolute_margin m:  score + m > p
 *        relative_margin m:  score > p − |p|·m        (= p·(1 − m) for p ≥ 0)
 *        max_score s:        score > s
 *        min_score s:        score < s
 *   4. of the survivors, best first, keep positions [rangeMin, rangeMax);
 *   5. take `numNegatives`: the first ones (`top`), or a uniform random sample (`random`),
 *      returned best first.
 *
 * With a cross-encoder (`mine_hard_negatives(…, cross_encoder=…)`, RocketQA's denoising), the
 * candidates of step 1 and the positives carry the cross-encoder's scores instead (`rescore.ts`):
 * steps 3–5 then read those, and step 4 orders the survivors by them, as the reference's top-k
 * over the rescored matrix does. The bi-encoder's scores stay beside them for the review.
 *
 * A query short of candidates gets fewer negatives (the reference's n-tuple output then drops
 * its rows; `minedPairs` does the same). Pure: the same input and options give the same result.
 *
 * Beyond the reference, a person reviewing the result may reject negatives: a rejected candidate
 * keeps its place in range but is passed over, so the next candidate (in rank order, or in the
 * query's fixed random order) takes its slot and every other choice stays as it was.
 */
import type { Neighbor } from '../eval/topk.ts';
import { Random } from '../util/random.ts';
import { planMining, type MiningOptions, type MiningPlan } from './options.ts';

/** What selection reads: texts of the corpus, each query's ranking and positives. */
export interface MiningInput {
  corpus: readonly string[];
  /** Per query: corpus rows by score, best first, from the top of the ranking (≥ `window` long). */
  rankings: readonly (readonly Neighbor[])[];
  /** Per query: its positives' corpus rows and scores (at least one). */
  positives: readonly (readonly Neighbor[])[];
  /**
   * Present when a cross-encoder rescored the input: `rankings` (still in the bi-encoder's order,
   * cut to the window) and `positives` then hold the cross-encoder's scores, and these arrays,
   * aligned with them, the bi-encoder's.
   */
  firstStage?: {
    rankings: readonly (readonly number[])[];
    positives: readonly (readonly number[])[];
  };
}

/**
 * A chosen negative: its corpus row, score and 1-based rank in the query's whole ranking (the
 * bi-encoder's). After rescoring, `score` is the cross-encoder's and `biScore` the bi-encoder's.
 */
export interface MinedNegative {
  index: number;
  score: number;
  rank: number;
  biScore?: number;
}

/** The filters that drop a likely false negative. */
export type FalseNegativeFilter = 'absoluteMargin' | 'relativeMargin' | 'maxScore' | 'minScore';

/** A candidate a filter removed, and which one. */
export interface DroppedCandidate extends MinedNegative {
  reason: FalseNegativeFilter;
}

/** Candidates of the window passed over, by the reason that removed them first. */
export interface SkipCounts {
  /** The query's own positives, and repeats of their texts. */
  positive: number;
  /** Repeats of a text seen higher in the same ranking (a corpus with repeated documents). */
  duplicate: number;
  absoluteMargin: number;
  relativeMargin: number;
  maxScore: number;
  minScore: number;
  /** Survivors ranked above `rangeMin`. */
  rangeMin: number;
}

export interface MinedQuery {
  /** Up to `numNegatives`, best first. */
  negatives: MinedNegative[];
  /** Candidates in range that the person rejected, best first. */
  rejected: MinedNegative[];
  /** The lowest score among the query's positives: what the margins compare with. */
  positiveScore: number;
  /** After rescoring: the bi-encoder's score of that same positive. */
  positiveBiScore?: number;
  /** Candidates the filters removed, in rank order, each with its reason. */
  dropped: DroppedCandidate[];
  /** Distinct texts looked at: the window, or the whole ranking when shorter. */
  candidates: number;
  skipped: SkipCounts;
}

export interface MiningResult {
  plan: MiningPlan;
  queries: MinedQuery[];
  /** Sums over all queries. */
  skipped: SkipCounts;
  /** Queries that got fewer than `numNegatives`. */
  short: number;
}

/** Rankings and positives that do not describe the same queries and corpus. */
export class MiningInputError extends Error {
  override name = 'MiningInputError';
}

const NO_REJECTIONS: ReadonlySet<number> = new Set();

export function noSkips(): SkipCounts {
  return {
    positive: 0,
    duplicate: 0,
    absoluteMargin: 0,
    relativeMargin: 0,
    maxScore: 0,
    minScore: 0,
    rangeMin: 0,
  };
}

/** The first filter that removes a candidate scoring `score` against positive score `p`. */
function filteredBy(score: number, p: number, plan: MiningPlan): FalseNegativeFilter | null {
  if (plan.absoluteMargin !== null && score + plan.absoluteMargin > p) return 'absoluteMargin';
  if (plan.relativeMargin !== null && score > p - Math.abs(p) * plan.relativeMargin)
    return 'relativeMargin';
  if (plan.maxScore !== null && score > plan.maxScore) return 'maxScore';
  if (plan.minScore !== null && score < plan.minScore) return 'minScore';
  return null;
}

/**
 * Query q's own generator, so that its random order does not depend on the other queries (a
 * rejection in one query never reshuffles another). The multiplier is 2³²/φ, which spreads
 * consecutive query numbers over the seed space.
 */
function queryRandom(seed: number, q: number): Random {
  return new Random((Math.imul(q + 1, 0x9e3779b1) ^ seed) >>> 0);
}

const byScore = (a: MinedNegative, b: MinedNegative) => b.score - a.score || a.rank - b.rank;

/** Selects the negatives of query `q`; `rejected` holds corpus rows the person turned down. */
export function selectNegatives(
  input: MiningInput,
  q: number,
  plan: MiningPlan,
  rejected: ReadonlySet<number> = NO_REJECTIONS,
): MinedQuery {
  const positives = input.positives[q];
  if (!positives?.length) throw new MiningInputError(`query ${q} has no positive`);
  const ranking = input.rankings[q];
  if (!ranking) throw new MiningInputError(`query ${q} has no ranking`);
  const positiveTexts = new Set(positives.map((p) => input.corpus[p.index]));
  const lowest = positives.reduce((lo, p, i) => (p.score < positives[lo].score ? i : lo), 0);
  const positiveScore = positives[lowest].score;
  const first = input.firstStage;
  const biScore = (i: number) => (first ? { biScore: first.rankings[q][i] } : {});
  const skipped = noSkips();
  const seen = new Set<string>();
  const survivors: MinedNegative[] = [];
  const dropped: DroppedCandidate[] = [];
  // The window counts distinct texts, as over the reference's de-duplicated corpus.
  for (let i = 0; i < ranking.length && seen.size < plan.window; i++) {
    const n = ranking[i];
    const text = input.corpus[n.index];
    if (text === undefined) {
      throw new MiningInputError(`query ${q}'s ranking names corpus row ${n.index}, past the end`);
    }
    if (seen.has(text)) {
      skipped[positiveTexts.has(text) ? 'positive' : 'duplicate']++;
      continue;
    }
    seen.add(text);
    if (positiveTexts.has(text)) {
      skipped.positive++;
      continue;
    }
    const candidate = { index: n.index, score: n.score, rank: i + 1, ...biScore(i) };
    const reason = filteredBy(n.score, positiveScore, plan);
    if (reason) {
      skipped[reason]++;
      dropped.push({ ...candidate, reason });
    } else survivors.push(candidate);
  }
  // Rescored candidates came in the bi-encoder's order: the cross-encoder's decides.
  if (first) survivors.sort(byScore);
  skipped.rangeMin = Math.min(plan.rangeMin, survivors.length);
  const inRange = survivors.slice(plan.rangeMin, plan.rangeMax);
  const order =
    plan.sampling === 'random' ? queryRandom(plan.seed, q).shuffle([...inRange]) : inRange;
  return {
    negatives: order
      .filter((c) => !rejected.has(c.index))
      .slice(0, plan.numNegatives)
      .sort(byScore),
    rejected: inRange.filter((c) => rejected.has(c.index)),
    positiveScore,
    ...(first ? { positiveBiScore: first.positives[q][lowest] } : {}),
    dropped,
    candidates: seen.size,
    skipped,
  };
}

/** A result with its totals, from per-query selections made under `plan`. */
export function miningResult(plan: MiningPlan, queries: MinedQuery[]): MiningResult {
  const skipped = noSkips();
  for (const query of queries) {
    for (const key of Object.keys(skipped) as (keyof SkipCounts)[]) {
      skipped[key] += query.skipped[key];
    }
  }
  const short = queries.filter((query) => query.negatives.length < plan.numNegatives).length;
  return { plan, queries, skipped, short };
}

/**
 * Mines every query. `rejected` maps a query to the corpus rows the person rejected for it.
 * Throws MiningOptionsError for options that cannot mine, MiningInputError for mismatched input.
 */
export function mineHardNegatives(
  input: MiningInput,
  options: Partial<MiningOptions> = {},
  rejected: ReadonlyMap<number, ReadonlySet<number>> = new Map(),
): MiningResult {
  if (input.rankings.length !== input.positives.length) {
    throw new MiningInputError(
      `${input.rankings.length} rankings but ${input.positives.length} lists of positives`,
    );
  }
  const maxPositives = input.positives.reduce((m, p) => Math.max(m, p.length), 0);
  const plan = planMining(options, maxPositives);
  const queries = input.rankings.map((_, q) => selectNegatives(input, q, plan, rejected.get(q)));
  return miningResult(plan, queries);
}
