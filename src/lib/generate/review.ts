/**
 * Generated queries through the filters, in a fixed order: unparsable continuations were never
 * queries; duplicates go before the consistency check so each count says what that filter alone
 * removed. What survives is proposed for review; the person's accept/reject has the last word.
 */
import type { TrainingPair } from '../data/pairs.ts';
import { consistencyKeeps } from './consistency.ts';
import { findDuplicates, NEAR_DUPLICATE_JACCARD } from './dedupe.ts';

/** One generated query and the document (index into the corpus) it was generated from. */
export interface GeneratedQuery {
  document: number;
  text: string;
}

export type Verdict = 'kept' | 'duplicate' | 'near-duplicate' | 'inconsistent';

export interface FilteredQuery extends GeneratedQuery {
  verdict: Verdict;
  /** Rank of its own document for this query (1 = best), null when outside the top k searched. */
  rank: number | null;
}

export interface FilterCounts {
  generated: number;
  duplicate: number;
  nearDuplicate: number;
  inconsistent: number;
  kept: number;
}

export interface FilterOptions {
  /** Keep a query when its own document ranks at or above this. */
  topK: number;
  nearDuplicateJaccard?: number;
  /** The person's real queries: generated copies of them are duplicates. */
  reserved?: readonly string[];
}

/**
 * Verdicts for `queries` given the rank of each one's own document (see `ranksFromNeighbors`,
 * `ownDocumentRanks`).
 */
export function applyFilters(
  queries: readonly GeneratedQuery[],
  ranks: readonly (number | null)[],
  options: FilterOptions,
): FilteredQuery[] {
  const duplicates = findDuplicates(
    queries.map((q) => q.text),
    options.reserved,
    options.nearDuplicateJaccard ?? NEAR_DUPLICATE_JACCARD,
  );
  const consistent = consistencyKeeps(ranks, options.topK);
  return queries.map((q, i) => {
    const dup = duplicates[i];
    const verdict: Verdict = dup !== 'unique' ? dup : consistent[i] ? 'kept' : 'inconsistent';
    return { ...q, verdict, rank: ranks[i] };
  });
}

export function countVerdicts(filtered: readonly { verdict: Verdict }[]): FilterCounts {
  const counts: FilterCounts = {
    generated: filtered.length,
    duplicate: 0,
    nearDuplicate: 0,
    inconsistent: 0,
    kept: 0,
  };
  for (const q of filtered) {
    if (q.verdict === 'duplicate') counts.duplicate++;
    else if (q.verdict === 'near-duplicate') counts.nearDuplicate++;
    else if (q.verdict === 'inconsistent') counts.inconsistent++;
    else counts.kept++;
  }
  return counts;
}

/** Accepted queries as (query, document) training pairs, in order. */
export function toTrainingPairs(
  accepted: readonly GeneratedQuery[],
  corpus: readonly string[],
): TrainingPair[] {
  return accepted.map((q) => ({ query: q.text, positive: corpus[q.document], negatives: [] }));
}
