import type { ColumnMapping } from '../data/columns.ts';
import type { TrainingPair } from '../data/pairs.ts';

/**
 * Per-pair weights from a column of a pairs file (`train --weight-column NAME`). The data parser
 * already reads one numeric column per row, the score, and rejects rows where it is not a number,
 * listing them by line: the weight column is read as that score (any detected score column is
 * then ignored; MNRL does not use it) and moved to `weight` afterwards.
 */
export class WeightColumnError extends Error {
  override readonly name = 'WeightColumnError';
}

/** The mapping with `column` as the score column; throws when it is missing or holds texts. */
export function withWeightColumn(mapping: ColumnMapping, column: string): ColumnMapping {
  const at = mapping.header.indexOf(column);
  if (at === -1) {
    const names = mapping.header.map((n) => `"${n}"`).join(', ');
    throw new WeightColumnError(
      `no column "${column}" to read weights from; the columns are ${names}`,
    );
  }
  const role = mapping.roles[at];
  if (role === 'query' || role === 'positive' || role === 'negative') {
    throw new WeightColumnError(
      `column "${column}" is the ${role} column; weights need a column of their own`,
    );
  }
  return {
    ...mapping,
    roles: mapping.roles.map((r, i) => (i === at ? 'score' : r === 'score' ? 'ignore' : r)),
  };
}

/**
 * The pairs with their score moved to `weight`. Weighted MNRL divides by the batch's weight sum,
 * so a weight must be positive and finite: the first that is not is reported.
 */
export function scoresToWeights(pairs: TrainingPair[], column: string): TrainingPair[] {
  return pairs.map(({ score, ...pair }, i) => {
    if (score === undefined || !(score > 0) || !Number.isFinite(score)) {
      throw new WeightColumnError(
        `weight ${score} in column "${column}" (pair ${i + 1}, query "${pair.query.slice(0, 60)}") is not a positive number; weighted MNRL needs weights above 0`,
      );
    }
    return { ...pair, weight: score };
  });
}
