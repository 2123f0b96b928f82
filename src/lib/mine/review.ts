/**
 * What a person reads to check mining's choices (`mine --review`, the Mine panel): per query, the
 * positive the margins compared with, the negatives kept, and every candidate a filter dropped
 * with the reason in words, each with every score it has (bi-encoder and, after rescoring,
 * cross-encoder).
 */
import type { MiningPlan } from './options.ts';
import type {
  DroppedCandidate,
  FalseNegativeFilter,
  MinedNegative,
  MinedQuery,
  MiningInput,
  MiningResult,
} from './select.ts';

/** A candidate as the review shows it: its text and every score it has. */
export interface ReviewedCandidate {
  text: string;
  score: number;
  /** The bi-encoder's score, when a cross-encoder gave `score`. */
  biScore?: number;
  rank: number;
  /** Which filter dropped it (a likely false negative)… */
  reason?: FalseNegativeFilter;
  /** …and that filter's test with the numbers filled in. */
  why?: string;
}

export interface ReviewedQuery {
  query: string;
  positives: { text: string; score: number; biScore?: number }[];
  positiveScore: number;
  negatives: ReviewedCandidate[];
  dropped: ReviewedCandidate[];
}

const n4 = (x: number) => x.toFixed(4);

/**
 * Why `filter` dropped a candidate scoring `score` against the positive's `positive`, as the test
 * `selectNegatives` applied (sentence-transformers' `mine_hard_negatives` filters).
 */
export function dropReason(
  filter: FalseNegativeFilter,
  score: number,
  positive: number,
  plan: MiningPlan,
): string {
  switch (filter) {
    case 'relativeMargin': {
      const m = plan.relativeMargin!;
      return `likely false negative: ${n4(score)} is above the positive's ${n4(positive)} − |${n4(positive)}|·${m} = ${n4(positive - Math.abs(positive) * m)}`;
    }
    case 'absoluteMargin': {
      const m = plan.absoluteMargin!;
      return `likely false negative: ${n4(score)} + ${m} is above the positive's ${n4(positive)}`;
    }
    case 'maxScore':
      return `likely false negative: ${n4(score)} is above the max score ${plan.maxScore}`;
    case 'minScore':
      return `too easy: ${n4(score)} is below the min score ${plan.minScore}`;
  }
}

/** Query `q`'s review under `plan`; `mined` is its selection. */
export function reviewQuery(
  input: MiningInput,
  q: number,
  query: string,
  mined: MinedQuery,
  plan: MiningPlan,
): ReviewedQuery {
  const shown = ({ index, ...scores }: MinedNegative): ReviewedCandidate => ({
    text: input.corpus[index],
    ...scores,
  });
  return {
    query,
    positives: input.positives[q].map((p, i) => ({
      text: input.corpus[p.index],
      score: p.score,
      ...(input.firstStage ? { biScore: input.firstStage.positives[q][i] } : {}),
    })),
    positiveScore: mined.positiveScore,
    negatives: mined.negatives.map(shown),
    dropped: mined.dropped.map((d: DroppedCandidate) => ({
      ...shown(d),
      why: dropReason(d.reason, d.score, mined.positiveScore, plan),
    })),
  };
}

/** What `mine --review` writes: every query's review. */
export function miningReview(
  input: MiningInput,
  queries: readonly string[],
  result: MiningResult,
): ReviewedQuery[] {
  return result.queries.map((mined, q) => reviewQuery(input, q, queries[q], mined, result.plan));
}
