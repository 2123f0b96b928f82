import type { TrainingPair } from './pairs.ts';

/** A column of the dataset preview, read from a stored pair. */
export interface PairColumn {
  label: string;
  /** False for the score, whose length means nothing. */
  text: boolean;
  /** The cell as shown; undefined when the pair has no value there. */
  cell(pair: TrainingPair): string | undefined;
}

/** Column names by role, as a dataset record keeps them. */
export interface RoleNames {
  query: string;
  positive: string;
  negatives: string[];
  score?: string;
  grade?: string;
}

/**
 * The preview's columns: the query, the positive, one per negative column, the score and the grade. Empty
 * negative cells are not stored, so a pair's k-th negative is the k-th non-empty one of its row:
 * with several negative columns they are labelled by position rather than by header name.
 */
export function pairColumns(names: RoleNames): PairColumn[] {
  const n = names.negatives.length;
  const columns: PairColumn[] = [
    { label: names.query, text: true, cell: (p) => p.query },
    { label: names.positive, text: true, cell: (p) => p.positive },
  ];
  for (let k = 0; k < n; k++) {
    const label = n === 1 ? names.negatives[0] : `negative ${k + 1}`;
    columns.push({ label, text: true, cell: (p) => p.negatives[k] });
  }
  if (names.score !== undefined) {
    columns.push({ label: names.score, text: false, cell: (p) => p.score?.toString() });
  }
  if (names.grade !== undefined) {
    columns.push({ label: names.grade, text: false, cell: (p) => p.grade?.toString() });
  }
  return columns;
}

export interface ColumnStats {
  label: string;
  /** Rows with a value in this column. */
  count: number;
  /** Rows without one, or with only whitespace. */
  empty: number;
  /** Mean length in characters (UTF-16 units) of the non-empty cells; null for the score or no cells. */
  meanLength: number | null;
}

/** Per-column counts over a dataset, fed chunk by chunk so a million rows never sit in memory. */
export class PairStats {
  private rows = 0;
  private readonly count: number[];
  private readonly chars: number[];

  constructor(private readonly columns: PairColumn[]) {
    this.count = columns.map(() => 0);
    this.chars = columns.map(() => 0);
  }

  add(pairs: readonly TrainingPair[]): void {
    const { columns, count, chars } = this;
    this.rows += pairs.length;
    for (const pair of pairs) {
      for (let c = 0; c < columns.length; c++) {
        const value = columns[c].cell(pair);
        if (value === undefined || value.trim() === '') continue;
        count[c]++;
        chars[c] += value.length;
      }
    }
  }

  result(): ColumnStats[] {
    return this.columns.map((column, c) => ({
      label: column.label,
      count: this.count[c],
      empty: this.rows - this.count[c],
      meanLength: column.text && this.count[c] > 0 ? this.chars[c] / this.count[c] : null,
    }));
  }
}

/**
 * A case-insensitive test for `needle` in a pair's query, positive or negatives (not the score).
 * The needle is taken literally: "5/16-18" finds "5/16-18", regex characters and all.
 */
export function pairMatcher(needle: string): (pair: TrainingPair) => boolean {
  const pattern = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
  return (pair) =>
    pattern.test(pair.query) ||
    pattern.test(pair.positive) ||
    pair.negatives.some((n) => pattern.test(n));
}
