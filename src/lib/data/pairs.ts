/** One training example: an anchor query, its positive, and any explicit hard negatives. */
export interface TrainingPair {
  query: string;
  positive: string;
  negatives: string[];
  /** Optional label/score column, carried but not used by MNRL. */
  score?: number;
  /** Per-pair weight for weighted MNRL (click logs); absent = 1. */
  weight?: number;
}
