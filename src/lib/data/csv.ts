import Papa from 'papaparse';
import {
  detectColumns,
  resolveColumns,
  type ColumnMapping,
  type ResolvedColumns,
} from './columns.ts';
import type { TextBlock } from './encoding.ts';
import { FaultQueue } from './faults.ts';
import { DatasetError } from './errors.ts';
import type { TrainingPair } from './pairs.ts';
import type { RowValidator } from './validate.ts';

const DELIMITER_NAMES: Record<string, string> = { '\t': 'a tab' };
const NO_CELLS: string[] = [];

/**
 * Reads CSV/TSV records with Papa Parse's core parser, one block of whole lines at a time. A record
 * that is still open at the end of a block (a quoted cell with line breaks) is carried into the
 * next. Each record keeps the physical line it starts on: one line per record, plus one for each
 * line break inside its quoted cells.
 */
export class CsvReader {
  mapping: ColumnMapping | null;
  private columns: ResolvedColumns | null = null;
  private width = 0;
  private headerPending: boolean;
  /** Whether any non-blank record was seen (the header included). */
  sawContent = false;
  /** The physical line of the next record: the start of `pending` when it is not empty. */
  private line = 1;
  private pending = '';
  private readonly faults = new FaultQueue();
  private readonly parser: Papa.Parser;
  private readonly malformed: string;

  constructor(
    private readonly file: string,
    delimiter: string,
    mapping: ColumnMapping | undefined,
    private readonly validator: RowValidator,
  ) {
    this.parser = new Papa.Parser({ delimiter, newline: '\n', quoteChar: '"' });
    this.malformed = `malformed quotes: a quoted cell must end with a quote followed by ${
      DELIMITER_NAMES[delimiter] ?? `"${delimiter}"`
    } or the end of the line`;
    this.mapping = mapping ?? null;
    this.headerPending = mapping?.hasHeader ?? true;
    if (mapping && !mapping.hasHeader) this.useMapping(mapping);
  }

  push(block: TextBlock, out: TrainingPair[]): void {
    this.faults.add(block.faults);
    // An open quoted cell can only close at a quote: without one, just carry the text along.
    if (this.pending && !block.text.includes('"')) {
      this.pending += block.text;
      return;
    }
    this.pending = this.consume(this.pending + block.text, out);
  }

  /**
   * Reads what is left. A quote that never closes would swallow the rest of the file into one
   * cell; instead the line it opens on is rejected and reading resumes on the next line.
   */
  finish(out: TrainingPair[]): void {
    let rest = this.pending;
    this.pending = '';
    while (rest) {
      const result = this.parser.parse(rest, 0, false);
      if (!result.errors.some((e: Papa.ParseError) => e.code === 'MissingQuotes')) {
        this.records(result.data, result.errors, rest.includes('"'), out);
        return;
      }
      this.rejectLine(
        this.line++,
        'unterminated quote: the quoted cell that opens on this line never closes; the line is skipped',
      );
      const newline = rest.indexOf('\n');
      rest = newline === -1 ? '' : this.consume(rest.slice(newline + 1), out);
    }
  }

  /** Reads every complete record of `input`; returns the incomplete tail. */
  private consume(input: string, out: TrainingPair[]): string {
    const result = this.parser.parse(input, 0, true);
    this.records(result.data, result.errors, input.includes('"'), out);
    return input.slice(result.meta.cursor);
  }

  private records(
    data: string[][],
    errors: Papa.ParseError[],
    quoted: boolean,
    out: TrainingPair[],
  ): void {
    let nextError = 0;
    for (let r = 0; r < data.length; r++) {
      const cells = data[r];
      const start = this.line;
      let end = start;
      if (quoted) {
        for (const cell of cells) {
          for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) end++;
        }
      }
      this.line = end + 1;
      while (nextError < errors.length && (errors[nextError].row ?? 0) < r) nextError++;
      const badQuotes = nextError < errors.length && errors[nextError].row === r;
      if (!badQuotes && cells.length === 1 && cells[0] === '') continue;
      this.sawContent = true;

      const fault = this.faults.within(start, end);
      const problem =
        fault ??
        (badQuotes
          ? `${this.malformed}${end > start ? ` (the record runs to line ${end})` : ''}`
          : null);
      if (this.headerPending) {
        this.readHeader(cells, start, problem);
        continue;
      }
      if (problem) {
        this.validator.reject(start, problem);
        continue;
      }
      if (cells.length !== this.width) {
        this.validator.reject(start, `expected ${this.width} fields, found ${cells.length}`);
        continue;
      }
      this.validator.check(start, cells, this.columns as ResolvedColumns, out);
    }
  }

  /** Rejects one line (an encoding fault on it comes first); on the header line, refuses the file. */
  private rejectLine(line: number, reason: string): void {
    const problem = this.faults.within(line, line) ?? reason;
    this.sawContent = true;
    if (this.headerPending) this.readHeader(NO_CELLS, line, problem);
    else this.validator.reject(line, problem);
  }

  private readHeader(cells: string[], line: number, problem: string | null): void {
    if (problem) {
      throw new DatasetError(
        'columns',
        this.file,
        `the header row (line ${line}) cannot be read: ${problem}`,
      );
    }
    this.headerPending = false;
    if (!this.mapping) {
      this.useMapping(detectColumns(cells));
      return;
    }
    if (cells.length !== this.mapping.header.length) {
      throw new DatasetError(
        'columns',
        this.file,
        `the header row (line ${line}) has ${cells.length} columns but the mapping has ${this.mapping.header.length}`,
      );
    }
    this.useMapping(this.mapping);
  }

  private useMapping(mapping: ColumnMapping): void {
    this.mapping = mapping;
    this.columns = resolveColumns(mapping, this.file);
    this.width = mapping.header.length;
  }
}
