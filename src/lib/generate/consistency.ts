/**
 * Round-trip consistency (Promptagator, Dai et al. 2022; as in Lewis et al.'s PAQ): a generated
 * query is kept only when the embedding model retrieves the document it was generated from in
 * the top k of the corpus. Queries the model cannot tie back to their own document are usually
 * off-topic or too generic to teach it anything.
 *
 * Ties rank by corpus position, earlier first, as `exactTopK` does, so both paths agree.
 */
import type { Neighbor } from '../eval/topk.ts';

/** Promptagator keeps a query when its document is the top-1; 3 forgives near-duplicate documents. */
export const DEFAULT_FILTER_TOP_K = 3;

/** 1-based rank of `doc` in one row of scores (query × every document). */
export function rankInRow(scores: ArrayLike<number>, doc: number): number {
  const own = scores[doc];
  let rank = 1;
  for (let j = 0; j < scores.length; j++) {
    if (scores[j] > own || (scores[j] === own && j < doc)) rank++;
  }
  return rank;
}

/** For each query row of a score matrix, the rank of its own document. */
export function ownDocumentRanks(
  scores: readonly ArrayLike<number>[],
  ownDocument: readonly number[],
): number[] {
  return scores.map((row, q) => rankInRow(row, ownDocument[q]));
}

/**
 * For each query, the rank of its own document within its top-k neighbours (from `exactTopK`),
 * or null when it is not among them.
 */
export function ranksFromNeighbors(
  neighbors: readonly (readonly Neighbor[])[],
  ownDocument: readonly number[],
): (number | null)[] {
  return neighbors.map((row, q) => {
    const at = row.findIndex((n) => n.index === ownDocument[q]);
    return at === -1 ? null : at + 1;
  });
}

/** Which queries pass: own document at rank ≤ k. */
export function consistencyKeeps(ranks: readonly (number | null)[], k: number): boolean[] {
  return ranks.map((rank) => rank !== null && rank <= k);
}
