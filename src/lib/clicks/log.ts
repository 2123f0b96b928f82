import { DatasetError } from '../data/errors.ts';
import type { DatasetFormat } from '../data/format.ts';
import type { RowRejection } from '../data/report.ts';
import {
  detectClickColumns,
  resolveClickColumns,
  type ClickColumns,
  type ClickMapping,
} from './columns.ts';
import { cellText, readRecords, type TextRecord } from './records.ts';

/** One row of a click log: a document shown at a position for a query, clicked or not. */
export interface ClickEvent {
  query: string;
  /** Index into `ClickLog.docs`. */
  doc: number;
  /** 1-based. */
  position: number;
  clicked: boolean;
  /** Time on the document after the click; null when not recorded. */
  dwellMs: number | null;
  session: string | null;
  /** When the result list was shown, in ms since 1970; null without a timestamp column. */
  time: number | null;
  line: number;
}

/** A document as the log names it: by id (looked up in a document table), by text, or both. */
export interface LoggedDocument {
  id: string | null;
  text: string | null;
}

/** Which of the optional columns the log has: the rules that need a missing one are unavailable. */
export interface LogColumns {
  clicked: boolean;
  dwell: boolean;
  session: boolean;
  timestamp: boolean;
  docId: boolean;
  docText: boolean;
}

export interface ClickLog {
  file: string;
  events: ClickEvent[];
  docs: LoggedDocument[];
  columns: LogColumns;
}

/** What reading the log found: `rows = accepted + rejected + omitted`. */
export interface ClickLogReport {
  file: string;
  format: DatasetFormat;
  rows: number;
  accepted: number;
  /** The first MAX_LISTED rejected rows, by line; `omitted` counts the rest. */
  rejected: RowRejection[];
  omitted: number;
}

const MAX_LISTED = 1000;

/** Unix times below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;

type Parsed<T> = T | { reason: string };
const bad = (value: unknown, name: string, expected: string) => ({
  reason: `"${name}" is ${typeof value === 'string' ? `"${value.slice(0, 40)}"` : JSON.stringify(value)}, expected ${expected}`,
});
const isBlank = (cell: unknown) =>
  cell === undefined || cell === null || cellText(cell).trim() === '';

function parsePosition(cell: unknown, name: string): Parsed<number> {
  const text = cellText(cell).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= 1 && Number.isSafeInteger(n) ? n : bad(cell, name, 'a whole number from 1 up');
}

const TRUE = new Set(['1', 'true', 'yes', 'y']);
const FALSE = new Set(['0', 'false', 'no', 'n']);

function parseClicked(cell: unknown, name: string): Parsed<boolean> {
  const text = cellText(cell).trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return bad(cell, name, '0 or 1');
}

function parseDwell(cell: unknown, name: string): Parsed<number | null> {
  if (isBlank(cell)) return null;
  const n = Number(cellText(cell).trim());
  return Number.isFinite(n) && n >= 0 ? n : bad(cell, name, 'milliseconds (0 or more)');
}

function parseTime(cell: unknown, name: string): Parsed<number> {
  const text = cellText(cell).trim();
  const n = text === '' ? NaN : Number(text);
  if (Number.isFinite(n)) return n < SECONDS_BELOW ? n * 1000 : n;
  const parsed = Date.parse(text);
  return Number.isFinite(parsed)
    ? parsed
    : bad(cell, name, 'a date (ISO 8601) or a Unix time in seconds or milliseconds');
}

/** Reads one record into `out`, or returns why it is rejected. */
class EventReader {
  readonly docs: LoggedDocument[] = [];
  private readonly docIndex = new Map<string, number>();

  constructor(
    private readonly c: ClickColumns,
    private readonly names: string[],
  ) {}

  read({ line, cells }: TextRecord): ClickEvent | { reason: string } {
    const { c, names } = this;
    const query = cellText(cells[c.query]);
    if (query.trim() === '') return { reason: `empty "${names[c.query]}" cell` };
    const doc = this.document(cells);
    if (typeof doc !== 'number') return doc;
    const position = parsePosition(cells[c.position], names[c.position]);
    if (typeof position !== 'number') return position;
    let clicked: Parsed<boolean> = true;
    if (c.clicked !== -1) clicked = parseClicked(cells[c.clicked], names[c.clicked]);
    if (typeof clicked !== 'boolean') return clicked;
    let dwellMs: Parsed<number | null> = null;
    if (c.dwell !== -1) dwellMs = parseDwell(cells[c.dwell], names[c.dwell]);
    if (dwellMs !== null && typeof dwellMs !== 'number') return dwellMs;
    let session: string | null = null;
    if (c.session !== -1) {
      session = cellText(cells[c.session]).trim();
      if (session === '') return { reason: `empty "${names[c.session]}" cell` };
    }
    let time: Parsed<number> | null = null;
    if (c.timestamp !== -1) time = parseTime(cells[c.timestamp], names[c.timestamp]);
    if (time !== null && typeof time !== 'number') return time;
    return { query, doc, position, clicked, dwellMs, session, time, line };
  }

  /** The document's index: keyed by id when the log has ids, by text otherwise. */
  private document(cells: unknown[]): number | { reason: string } {
    const { c, names } = this;
    const id = c.docId === -1 ? null : cellText(cells[c.docId]).trim();
    const text = c.docText === -1 ? null : cellText(cells[c.docText]);
    if (id === '') return { reason: `empty "${names[c.docId]}" cell` };
    if (id === null && (text === null || text.trim() === '')) {
      return { reason: `empty "${names[c.docText]}" cell` };
    }
    const key = id ?? (text as string);
    let index = this.docIndex.get(key);
    if (index === undefined) {
      index = this.docs.length;
      this.docIndex.set(key, index);
      this.docs.push({ id, text: null });
    }
    const known = this.docs[index];
    if (known.text === null && text !== null && text.trim() !== '') known.text = text;
    return index;
  }
}

export interface ReadClickLogOptions {
  fileName: string;
  /** Column roles the person chose; detected from the header when absent. */
  mapping?: ClickMapping;
}

/**
 * Reads a click log (CSV/TSV/JSON Lines, one row per document shown) into events. Rows with an
 * empty query or document, a position that is not a whole number from 1, a clicked value that is
 * not 0/1, a negative dwell time or an unreadable timestamp are rejected and listed by line.
 * Throws a DatasetError for a file it cannot use at all, or one without a single valid row.
 */
export function readClickLog(
  bytes: Uint8Array,
  options: ReadClickLogOptions,
): { log: ClickLog; report: ClickLogReport } {
  const { fileName } = options;
  const file = readRecords(bytes, fileName);
  const mapping = options.mapping ?? detectClickColumns(file.header);
  if (mapping.header.length !== file.header.length) {
    throw new DatasetError(
      'columns',
      fileName,
      `the file has ${file.header.length} columns but the mapping has ${mapping.header.length}`,
    );
  }
  const columns = resolveClickColumns(mapping, fileName);
  const reader = new EventReader(columns, mapping.header);
  const events: ClickEvent[] = [];
  const rejected = [...file.rejected];
  for (const record of file.records) {
    const event = reader.read(record);
    if ('reason' in event) rejected.push({ line: record.line, reason: event.reason });
    else events.push(event);
  }
  rejected.sort((a, b) => a.line - b.line);
  const rows = events.length + rejected.length;
  if (events.length === 0) {
    const first = rejected[0];
    const detail = first
      ? `no valid row: all ${rows} rows were rejected (the first, line ${first.line}: ${first.reason})`
      : 'the file has a header but no data rows';
    throw new DatasetError('no-valid-row', fileName, detail);
  }
  const has = (k: keyof ClickColumns) => columns[k] !== -1;
  return {
    log: {
      file: fileName,
      events,
      docs: reader.docs,
      columns: {
        clicked: has('clicked'),
        dwell: has('dwell'),
        session: has('session'),
        timestamp: has('timestamp'),
        docId: has('docId'),
        docText: has('docText'),
      },
    },
    report: {
      file: fileName,
      format: file.format,
      rows,
      accepted: events.length,
      rejected: rejected.slice(0, MAX_LISTED),
      omitted: Math.max(0, rejected.length - MAX_LISTED),
    },
  };
}
