import type { Neighbor } from '../../src/lib/eval/topk.ts';
import type { MiningInput } from '../../src/lib/mine/select.ts';

/** One query's ranking from its row of the score matrix: best first, ties by corpus row. */
export function rank(row: readonly number[]): Neighbor[] {
  return row
    .map((score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}

/** A mining input from a [query][corpus row] score matrix and each query's positive rows. */
export function fromMatrix(
  corpus: string[],
  scores: number[][],
  positives: number[][],
): MiningInput {
  return {
    corpus,
    rankings: scores.map(rank),
    positives: positives.map((rows, q) =>
      rows.map((index) => ({ index, score: scores[q][index] })),
    ),
  };
}
