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
}
