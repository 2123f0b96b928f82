/**
 * What mining ranks, built from a pairs dataset as `mine_hard_negatives` builds it: the corpus
 * is the extra corpus followed by every positive (and, here, every existing negative), with
 * repeated texts kept once; the queries are the distinct queries; a query's positives are the
 * distinct positives of all its rows.
 */
import type { TrainingPair } from '../data/pairs.ts';
import { MiningInputError } from './select.ts';

export interface MiningTask {
  /** Distinct texts: the extra corpus, then the positives, then the existing negatives. */
  corpus: string[];
  /** Distinct queries to mine, in order of first appearance. */
  queries: string[];
  /** Per query: the corpus rows of its positives. */
  positives: number[][];
}

export interface MiningTaskOptions {
  /** More candidate documents (a file of passages, a product catalogue…). */
  extraCorpus?: readonly string[];
  /** Queries not to mine, such as the ones held out for evaluation. Their texts stay in the corpus. */
  skipQueries?: ReadonlySet<string>;
}

export function miningTask(
  pairs: readonly TrainingPair[],
  options: MiningTaskOptions = {},
): MiningTask {
  const { extraCorpus = [], skipQueries = new Set<string>() } = options;
  const rows = new Map<string, number>();
  const corpus: string[] = [];
  const rowOf = (text: string) => {
    let row = rows.get(text);
    if (row === undefined) rows.set(text, (row = corpus.push(text) - 1));
    return row;
  };
  extraCorpus.forEach(rowOf);
  pairs.forEach((p) => rowOf(p.positive));
  pairs.forEach((p) => p.negatives.forEach(rowOf));

  const queryIndex = new Map<string, number>();
  const queries: string[] = [];
  const positives: number[][] = [];
  for (const p of pairs) {
    if (skipQueries.has(p.query)) continue;
    let q = queryIndex.get(p.query);
    if (q === undefined) {
      queryIndex.set(p.query, (q = queries.push(p.query) - 1));
      positives.push([]);
    }
    const row = rows.get(p.positive)!;
    if (!positives[q].includes(row)) positives[q].push(row);
  }
  if (queries.length === 0) {
    throw new MiningInputError(
      pairs.length === 0
        ? 'the dataset has no pairs to mine'
        : 'every query of the dataset is held out for evaluation: there is nothing to mine',
    );
  }
  return { corpus, queries, positives };
}
