import Papa from 'papaparse';
import { detectColumns, mappingProblems, type ColumnMapping } from './columns.ts';
import { TextBlockDecoder, type TextEncoding } from './encoding.ts';
import { DatasetError } from './errors.ts';
import { detectFormat, type DatasetFormat } from './format.ts';

/** What the start of a file looks like, for the mapping step before an import. */
export interface DatasetPreview {
  format: DatasetFormat;
  delimiter: string | null;
  encoding: TextEncoding;
  /**
   * Roles detected from the header (CSV/TSV: the first row, which is also what the person sees as
   * the first data row should they say the file has no header; JSON Lines: the first object's keys).
   */
  mapping: ColumnMapping;
  /** Why the detected mapping cannot be used as it is; empty when it can. */
  problems: string[];
  /** The first records after the header, as text, one cell per column of `mapping.header`. */
  rows: string[][];
}

export interface SniffOptions {
  fileName: string;
  /** True when `head` is the whole file; otherwise its last, possibly cut, line is ignored. */
  wholeFile: boolean;
  /** How many records to return (default 20). */
  rows?: number;
}

const asText = (v: unknown) =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/**
 * Reads the start of a file (say its first 64 KB) for the mapping step: format, encoding, detected
 * column roles and a few rows. Refuses binary files, unknown encodings and empty files as the full
 * parse would.
 */
export function sniffDataset(head: Uint8Array, options: SniffOptions): DatasetPreview {
  const { fileName, wholeFile } = options;
  const count = options.rows ?? 20;
  const decoder = new TextBlockDecoder(fileName);
  const blocks = [decoder.push(head), decoder.finish()];
  let text = blocks.map((b) => b?.text ?? '').join('');
  const lastBreak = text.lastIndexOf('\n');
  if (!wholeFile && lastBreak !== -1) text = text.slice(0, lastBreak + 1);
  const firstLine = /[^\s][^\n]*/.exec(text)?.[0];
  const encoding = decoder.encoding as TextEncoding;
  if (firstLine === undefined) throw new DatasetError('empty', fileName, 'the file is empty');
  const { format, delimiter } = detectFormat(fileName, firstLine);

  let header: string[];
  let rows: string[][];
  if (delimiter === null) {
    const objects: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) {
      if (objects.length > count) break;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          objects.push(value as Record<string, unknown>);
        }
      } catch {
        // A malformed line has no place in a preview; the full parse lists it.
      }
    }
    header = objects.length ? Object.keys(objects[0]) : [];
    rows = objects.slice(0, count).map((o) => header.map((k) => asText(o[k])));
  } else {
    const data = Papa.parse<string[]>(text, {
      delimiter,
      newline: '\n',
      skipEmptyLines: true,
      preview: count + 1,
    }).data;
    header = data[0] ?? [];
    rows = data.slice(1);
  }
  const mapping = detectColumns(header);
  return { format, delimiter, encoding, mapping, problems: mappingProblems(mapping), rows };
}
