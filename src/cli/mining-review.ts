import type {
  DroppedCandidate,
  MinedNegative,
  MiningInput,
  MiningResult,
} from '../lib/mine/select.ts';

/** A candidate as the review file shows it: its text and every score it has. */
interface ReviewedCandidate {
  text: string;
  score: number;
  /** The bi-encoder's score, when a cross-encoder gave `score`. */
  biScore?: number;
  rank: number;
  /** Why a filter dropped it (likely a false negative). */
  reason?: DroppedCandidate['reason'];
}

/**
 * What `mine --review` writes per query: the positive the margins compared with, the negatives
 * kept and the candidates dropped, so a person can check the filters' choices line by line.
 */
export function miningReview(input: MiningInput, queries: readonly string[], result: MiningResult) {
  const shown = ({ index, ...scores }: MinedNegative | DroppedCandidate): ReviewedCandidate => ({
    text: input.corpus[index],
    ...scores,
  });
  return result.queries.map((mined, q) => ({
    query: queries[q],
    positives: input.positives[q].map((p, i) => ({
      text: input.corpus[p.index],
      score: p.score,
      ...(input.firstStage ? { biScore: input.firstStage.positives[q][i] } : {}),
    })),
    positiveScore: mined.positiveScore,
    negatives: mined.negatives.map(shown),
    dropped: mined.dropped.map(shown),
  }));
}
