/**
 * One pair as the trainer consumes it: MultipleNegativesRankingLoss scores the query
 * against every positive of the batch, then against every explicit negative (sentence-transformers'
 * (anchor, positive, negative_1, …, negative_n) columns).
 */
export interface TrainingPair {
  query: string;
  positive: string;
  /** Hard negatives in column order; empty when the dataset has none. */
  negatives: string[];
  /** The score/label column when the dataset has one (for losses that take a label). */
  score?: number;
  /** Per-pair weight for weighted MNRL (e.g. debiased click logs); absent = 1. */
  weight?: number;
  /** A teacher's margins sim(q, p) − sim(q, n_j), one per negative, for MarginMSE (GPL labels). */
  labels?: number[];
  /**
   * The positive's graded relevance judgement (0 = judged not relevant, 1–3 increasingly
   * relevant, as BEIR and TREC grade) when the dataset has a grade column; absent = 1.
   */
  grade?: number;
}

/** Whether a pair's positive is relevant (grade ≥ 1, or no grade): what training learns from. */
export function isRelevantPair(pair: TrainingPair): boolean {
  return (pair.grade ?? 1) >= 1;
}
