import type { DatasetReport } from './report.ts';

/**
 * Why a whole file is refused (as opposed to a row, which is skipped and listed in the report):
 * - `empty`: no bytes, or nothing but blank lines;
 * - `binary`: not text at all (an archive, an image, a spreadsheet workbook);
 * - `encoding`: text in an encoding we do not read (UTF-16 without a byte-order mark, UTF-32);
 * - `format`: text that is not CSV, TSV or JSON Lines (a JSON array);
 * - `columns`: no usable query/positive columns, or a mapping that does not fit the file;
 * - `no-valid-row`: every row was rejected.
 */
export type DatasetErrorCode =
  'empty' | 'binary' | 'encoding' | 'format' | 'columns' | 'no-valid-row';

/** A file the parser refuses, with a message that names the file and says what to do. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    readonly code: DatasetErrorCode,
    readonly file: string,
    /** The message without the file name, as the report's `refused` field shows it. */
    readonly detail: string,
    /** The report so far, when rows were read before the refusal (`no-valid-row`). */
    readonly report?: DatasetReport,
  ) {
    super(`${file}: ${detail}`);
  }
}
