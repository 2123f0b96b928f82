import { DatasetError } from './errors.ts';

export type DatasetFormat = 'csv' | 'tsv' | 'jsonl';

export interface DetectedFormat {
  format: DatasetFormat;
  /** The cell delimiter of CSV/TSV; null for JSON Lines. */
  delimiter: string | null;
}

/** Delimiters a spreadsheet export may use, in order of preference on a tie. */
const DELIMITERS = [',', '\t', ';', '|'];

const EXTENSIONS: Record<string, DatasetFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
};

const extensionOf = (file: string) => /\.([^./\\]+)$/.exec(file)?.[1].toLowerCase() ?? '';

/** The delimiter that occurs most often in the header line (a comma when none does). */
function guessDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const count = firstLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The format from the file name, or from the first line when the extension says nothing: a line
 * that opens with `{` is JSON Lines, anything else delimited text. A JSON array is refused, since
 * a file must be readable one line at a time.
 */
export function detectFormat(file: string, firstLine: string): DetectedFormat {
  const line = firstLine.trimStart();
  const byName = EXTENSIONS[extensionOf(file)];
  if (byName === 'tsv') return { format: 'tsv', delimiter: '\t' };
  if (byName === 'jsonl' || (!byName && line.startsWith('{'))) {
    return { format: 'jsonl', delimiter: null };
  }
  if (!byName && line.startsWith('[')) {
    throw new DatasetError(
      'format',
      file,
      'this is a JSON array; write one JSON object per line instead (JSON Lines, .jsonl)',
    );
  }
  const delimiter = guessDelimiter(firstLine);
  return { format: delimiter === '\t' ? 'tsv' : 'csv', delimiter };
}
