import type { ResolvedColumns } from './columns.ts';
import { Fingerprinter } from './hash.ts';
import type { TrainingPair } from './pairs.ts';
import type { RowRejection, RowWarning, WarningKind } from './report.ts';

export interface ValidationOptions {
  /** Longer query/positive/negative cells are cut to this many characters, with a warning. */
  maxChars?: number;
  /** At most this many rejections, and as many warnings, are listed (all are counted). */
  maxListed?: number;
}

/** A cell value as a format hands it over: CSV gives strings, JSON Lines any JSON value. */
export type CellValue = unknown;

const isBlank = (s: string) => {
  const c = s.charCodeAt(0);
  return !(c > 0x20 && c < 0x7f) && s.trim() === '';
};

/** Cut to `max` UTF-16 units without splitting a surrogate pair. */
function truncate(s: string, max: number): string {
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

const isMissing = (cell: CellValue) => cell === '' || cell === undefined || cell === null;

const describeType = (v: unknown) =>
  Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

/**
 * The row rules shared by every format: a row is rejected when a required cell is empty or a score
 * is not a number; it is kept with a warning when a cell is only whitespace, the query equals the
 * positive, or a cell is longer than `maxChars`; an exact repeat of an earlier row is dropped.
 */
export class RowValidator {
  rows = 0;
  accepted = 0;
  duplicates = 0;
  readonly rejected: RowRejection[] = [];
  readonly warnings: RowWarning[] = [];
  readonly omitted = { rejected: 0, warnings: 0 };
  private readonly maxChars: number;
  private readonly maxListed: number;
  /** Fingerprint of each accepted row → its line, to name the original of a duplicate. */
  private readonly seen = new Map<string, number>();
  private readonly fingerprinter = new Fingerprinter();

  constructor(options: ValidationOptions = {}) {
    this.maxChars = options.maxChars ?? Infinity;
    this.maxListed = options.maxListed ?? 10_000;
  }

  get rejectedCount(): number {
    return this.rejected.length + this.omitted.rejected;
  }

  reject(line: number, reason: string): void {
    this.rows++;
    if (this.rejected.length < this.maxListed) this.rejected.push({ line, reason });
    else this.omitted.rejected++;
  }

  private warn(line: number, kind: WarningKind, message: string): void {
    if (this.warnings.length < this.maxListed) this.warnings.push({ line, kind, message });
    else this.omitted.warnings++;
  }

  /** A text cell, or the reason the row is rejected. */
  private text(value: CellValue, name: string): string | { reason: string } {
    if (typeof value === 'string' && value) return value;
    if (isMissing(value)) return { reason: `empty "${name}" cell` };
    return { reason: `"${name}" is ${describeType(value)}, expected text` };
  }

  /**
   * Checks one record and appends its pair to `out` when it is kept. `cells` are the record's
   * values, `columns` says which is which (CSV passes its row and the resolved header; JSON Lines
   * lays its values out the same way). Empty negative cells are left out.
   */
  check(
    line: number,
    cells: readonly CellValue[],
    columns: ResolvedColumns,
    out: TrainingPair[],
  ): void {
    const { names } = columns;
    const query = this.text(cells[columns.query], names[columns.query]);
    if (typeof query !== 'string') return this.reject(line, query.reason);
    const positive = this.text(cells[columns.positive], names[columns.positive]);
    if (typeof positive !== 'string') return this.reject(line, positive.reason);

    const negatives: string[] = [];
    for (const i of columns.negatives) {
      if (isMissing(cells[i])) continue;
      const negative = this.text(cells[i], names[i]);
      if (typeof negative !== 'string') return this.reject(line, negative.reason);
      negatives.push(negative);
    }
    // The column of each kept negative, for messages: all of them unless some were empty.
    const negativeColumns =
      negatives.length === columns.negatives.length
        ? columns.negatives
        : columns.negatives.filter((i) => !isMissing(cells[i]));

    let score: number | undefined;
    if (columns.score !== null) {
      const name = names[columns.score];
      const cell = cells[columns.score];
      const value = typeof cell === 'string' ? cell.trim() : cell;
      if (isMissing(value)) {
        return this.reject(line, `empty "${name}" cell`);
      }
      score = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN;
      if (!Number.isFinite(score)) {
        const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : describeType(value);
        return this.reject(line, `"${name}" is ${shown}, not a number`);
      }
    }

    let grade: number | undefined;
    if (columns.grade !== null) {
      const name = names[columns.grade];
      const cell = cells[columns.grade];
      const value = typeof cell === 'string' ? cell.trim() : cell;
      if (isMissing(value)) return this.reject(line, `empty "${name}" cell`);
      grade = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN;
      if (!Number.isInteger(grade) || grade < 0) {
        const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : describeType(value);
        return this.reject(
          line,
          `"${name}" is ${shown}, not a relevance grade (a whole number: 0 not relevant, 1, 2, 3 …)`,
        );
      }
    }

    this.rows++;
    const fp = this.fingerprinter.add(query).add(positive);
    for (const negative of negatives) fp.add(negative);
    if (score !== undefined) fp.add(`${score}`);
    if (grade !== undefined) fp.add(`grade ${grade}`);
    const key = fp.take();
    const first = this.seen.get(key);
    if (first !== undefined) {
      this.duplicates++;
      this.warn(line, 'duplicate', `duplicate of line ${first}: dropped`);
      return;
    }
    this.seen.set(key, line);

    const queryName = names[columns.query];
    const positiveName = names[columns.positive];
    if (isBlank(query)) this.warn(line, 'whitespace', `"${queryName}" is only whitespace`);
    if (isBlank(positive)) this.warn(line, 'whitespace', `"${positiveName}" is only whitespace`);
    for (let k = 0; k < negatives.length; k++) {
      if (isBlank(negatives[k])) {
        this.warn(line, 'whitespace', `"${names[negativeColumns[k]]}" is only whitespace`);
      }
    }
    if (query === positive) {
      this.warn(line, 'query-equals-positive', 'the query is identical to the positive');
    }

    const pair: TrainingPair = {
      query: this.fit(query, queryName, line),
      positive: this.fit(positive, positiveName, line),
      negatives,
    };
    for (let k = 0; k < negatives.length; k++) {
      negatives[k] = this.fit(negatives[k], names[negativeColumns[k]], line);
    }
    if (score !== undefined) pair.score = score;
    if (grade !== undefined) pair.grade = grade;
    this.accepted++;
    out.push(pair);
  }

  private fit(text: string, name: string, line: number): string {
    if (text.length <= this.maxChars) return text;
    const n = text.length.toLocaleString('en-US');
    const max = this.maxChars.toLocaleString('en-US');
    this.warn(line, 'truncated', `"${name}" has ${n} characters; truncated to ${max}`);
    return truncate(text, this.maxChars);
  }
}
