/**
 * The generator's two inputs from files. A corpus: a BEIR `corpus.jsonl` (`.jsonl`), a CSV/TSV
 * with a `text` column (and optional `title`), or one document per line (anything else).
 * Examples: a CSV/TSV with a `query` column (and optional `document`), or one query per line.
 */
import Papa from 'papaparse';
import { documentText, parseBeirCorpus } from '../data/beir.ts';
import { GenerateInputError } from './errors.ts';
import type { ExampleQuery } from './prompt.ts';

const isTable = (name: string) => /\.(csv|tsv)$/i.test(name);

function parseTable(text: string, file: string): { header: string[]; rows: string[][] } {
  const result = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: /\.tsv$/i.test(file) ? '\t' : ',',
    skipEmptyLines: 'greedy',
  });
  const bad = result.errors[0];
  if (bad) throw new GenerateInputError(file, (bad.row ?? 0) + 1, bad.message);
  const [header = [], ...rows] = result.data;
  return { header: header.map((h) => h.trim().toLowerCase()), rows };
}

function column(header: string[], name: string, file: string, required: true): number;
function column(header: string[], name: string, file: string, required: false): number | null;
function column(header: string[], name: string, file: string, required: boolean): number | null {
  const at = header.indexOf(name);
  if (at !== -1) return at;
  if (!required) return null;
  throw new GenerateInputError(
    file,
    1,
    `expected a "${name}" column in the header, found ${header.map((h) => `"${h}"`).join(', ')}`,
  );
}

function plainLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '');
}

export function parseGenerationCorpus(text: string, file: string): string[] {
  let documents: string[];
  if (/\.jsonl$/i.test(file)) documents = parseBeirCorpus(text, file).map(documentText);
  else if (isTable(file)) {
    const { header, rows } = parseTable(text, file);
    const t = column(header, 'text', file, true);
    const title = column(header, 'title', file, false);
    documents = rows.map((r) => {
      const body = (r[t] ?? '').trim();
      const head = title === null ? '' : (r[title] ?? '').trim();
      return head === '' ? body : `${head} ${body}`;
    });
  } else documents = plainLines(text);
  documents = documents.filter((d) => d !== '');
  if (documents.length === 0)
    throw new GenerateInputError(file, null, 'the corpus has no documents');
  return documents;
}

export function parseExampleQueries(text: string, file: string): ExampleQuery[] {
  let examples: ExampleQuery[];
  if (isTable(file)) {
    const { header, rows } = parseTable(text, file);
    const q = column(header, 'query', file, true);
    const d = column(header, 'document', file, false);
    examples = rows.map((r) => {
      const document = d === null ? '' : (r[d] ?? '').trim();
      const query = (r[q] ?? '').trim();
      return document === '' ? { query } : { query, document };
    });
  } else examples = plainLines(text).map((query) => ({ query }));
  examples = examples.filter((e) => e.query !== '');
  if (examples.length === 0) throw new GenerateInputError(file, null, 'no example queries');
  return examples;
}
