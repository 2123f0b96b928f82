import Papa from 'papaparse';
import { TextBlockDecoder } from '../data/encoding.ts';
import { DatasetError } from '../data/errors.ts';
import type { LineFault } from '../data/faults.ts';
import { detectFormat, type DatasetFormat } from '../data/format.ts';
import type { RowRejection } from '../data/report.ts';

/** One data record: the physical line it starts on (1-based) and one value per header column. */
export interface TextRecord {
  line: number;
  /** CSV gives strings; JSON Lines any JSON value (undefined where the object lacks the key). */
  cells: unknown[];
}

/** A whole click log or document table, split into records but not yet interpreted. */
export interface RecordFile {
  format: DatasetFormat;
  header: string[];
  records: TextRecord[];
  /** Records that could not be read at all (bad bytes, bad quotes, bad JSON, wrong width). */
  rejected: RowRejection[];
}

/** Click logs are read whole in a worker: they are the size of a search log, not of a corpus. */
function decode(bytes: Uint8Array, fileName: string): { text: string; faults: LineFault[] } {
  const decoder = new TextBlockDecoder(fileName);
  const blocks = [decoder.push(bytes), decoder.finish()];
  return {
    text: blocks.map((b) => b?.text ?? '').join(''),
    faults: blocks.flatMap((b) => b?.faults ?? []),
  };
}

const countBreaks = (cell: string) => {
  let n = 0;
  for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) n++;
  return n;
};

function readDelimited(text: string, delimiter: string, out: RecordFile, faultAt: Faults): void {
  const parsed = Papa.parse<string[]>(text, { delimiter, newline: '\n', quoteChar: '"' });
  const badRows = new Map(parsed.errors.map((e) => [e.row ?? -1, e.message]));
  let line = 1;
  let headerRead = false;
  parsed.data.forEach((cells, r) => {
    const start = line;
    line += 1 + cells.reduce((n, c) => n + countBreaks(c), 0);
    if (cells.length === 1 && cells[0] === '' && !badRows.has(r)) return;
    const problem = faultAt(start, line - 1) ?? badRows.get(r);
    if (!headerRead) {
      if (problem) {
        throw new DatasetError(
          'columns',
          '',
          `the header row (line ${start}) cannot be read: ${problem}`,
        );
      }
      out.header = cells.map((c) => c.trim());
      headerRead = true;
    } else if (problem) out.rejected.push({ line: start, reason: problem });
    else if (cells.length !== out.header.length) {
      out.rejected.push({
        line: start,
        reason: `expected ${out.header.length} fields, found ${cells.length}`,
      });
    } else out.records.push({ line: start, cells });
  });
}

function readJsonLines(text: string, out: RecordFile, faultAt: Faults): void {
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const fault = faultAt(line, line);
    if (fault) return void out.rejected.push({ line, reason: fault });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return void out.rejected.push({ line, reason: 'invalid JSON' });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return void out.rejected.push({ line, reason: 'expected a JSON object' });
    }
    const row = value as Record<string, unknown>;
    if (out.header.length === 0) out.header = Object.keys(row);
    // Own keys only: a missing "constructor" key must read as missing, not as Object's.
    const cells = out.header.map((k) => (Object.hasOwn(row, k) ? row[k] : undefined));
    out.records.push({ line, cells });
  });
}

/** The first fault on lines `from..to`, asked in increasing line order (faults are sorted). */
type Faults = (from: number, to: number) => string | null;

function faultCursor(faults: LineFault[]): Faults {
  let at = 0;
  return (from, to) => {
    while (at < faults.length && faults[at].line < from) at++;
    return at < faults.length && faults[at].line <= to ? faults[at].reason : null;
  };
}

/**
 * Decodes a CSV/TSV/JSON Lines file (any encoding the dataset importer reads) into records. A
 * whole-file problem throws a DatasetError naming the file: binary data, an unknown encoding, a
 * JSON array, an unreadable header, or nothing but blank lines.
 */
export function readRecords(bytes: Uint8Array, fileName: string): RecordFile {
  try {
    const { text, faults } = decode(bytes, fileName);
    const firstLine = /[^\s][^\n]*/.exec(text)?.[0];
    if (firstLine === undefined) throw new DatasetError('empty', fileName, 'the file is empty');
    const { format, delimiter } = detectFormat(fileName, firstLine);
    const faultAt = faultCursor(faults);
    const out: RecordFile = { format, header: [], records: [], rejected: [] };
    if (delimiter === null) readJsonLines(text, out, faultAt);
    else readDelimited(text, delimiter, out, faultAt);
    return out;
  } catch (e) {
    // The delimited reader does not know the file's name: put it on the refusal here.
    if (e instanceof DatasetError && e.file === '') {
      throw new DatasetError(e.code, fileName, e.detail);
    }
    throw e;
  }
}

/** A cell as text: strings as they are, numbers and booleans written out, nothing as ''. */
export function cellText(cell: unknown): string {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return '';
}
