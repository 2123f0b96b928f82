import { DatasetError } from '../data/errors.ts';
import type { DatasetFormat } from '../data/format.ts';
import type { RowRejection } from '../data/report.ts';
import { detectDocumentColumns, documentMappingProblems, type DocumentMapping } from './columns.ts';
import type { LoggedDocument } from './log.ts';
import { cellText, readRecords } from './records.ts';

/** Document id → text. */
export type DocumentTable = Map<string, string>;

export interface DocumentTableReport {
  file: string;
  format: DatasetFormat;
  rows: number;
  documents: number;
  /** Rows whose id was already in the table: the first text is kept. */
  duplicates: number;
  rejected: RowRejection[];
}

/**
 * Reads a document table (CSV/TSV/JSON Lines with an id and a text column; a BEIR corpus.jsonl
 * is one). Rows with an empty id or text are rejected and listed by line.
 */
export function readDocumentTable(
  bytes: Uint8Array,
  options: { fileName: string; mapping?: DocumentMapping },
): { table: DocumentTable; report: DocumentTableReport } {
  const { fileName } = options;
  const file = readRecords(bytes, fileName);
  const mapping = options.mapping ?? detectDocumentColumns(file.header);
  const problems = documentMappingProblems(mapping);
  if (problems.length) throw new DatasetError('columns', fileName, problems[0]);
  const idAt = mapping.roles.indexOf('docId');
  const textAt = mapping.roles.indexOf('docText');
  const table: DocumentTable = new Map();
  const rejected = [...file.rejected];
  let duplicates = 0;
  for (const { line, cells } of file.records) {
    const id = cellText(cells[idAt]).trim();
    const text = cellText(cells[textAt]);
    if (id === '') rejected.push({ line, reason: `empty "${mapping.header[idAt]}" cell` });
    else if (text.trim() === '') {
      rejected.push({ line, reason: `empty "${mapping.header[textAt]}" cell` });
    } else if (table.has(id)) duplicates++;
    else table.set(id, text);
  }
  rejected.sort((a, b) => a.line - b.line);
  return {
    table,
    report: {
      file: fileName,
      format: file.format,
      rows: file.records.length + file.rejected.length,
      documents: table.size,
      duplicates,
      rejected,
    },
  };
}

/** The text to train on: the document table's when it has the id, else the log's own; null when neither. */
export function documentText(doc: LoggedDocument, table: DocumentTable | null): string | null {
  return (doc.id !== null ? table?.get(doc.id) : undefined) ?? doc.text;
}
