/**
 * Pairs as CSV in the reference's column layout — `query`, `positive`, `negative_1` …
 * `negative_n`, and `weight` when asked — the layout `parseDataset` reads back (and
 * sentence-transformers' (anchor, positive, negative_1, …) datasets use). Every pair keeps the
 * first `n` negatives, `n` the fewest any pair has unless given. papaparse quotes the fields
 * that need it (commas, quotes, line breaks, edge spaces); lines end in "\n".
 */
import Papa from 'papaparse';
import type { TrainingPair } from './pairs.ts';

/** `negative_1` … `negative_n`. */
export function negativeColumns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `negative_${i + 1}`);
}

/** The negative columns every pair fills. */
export const fewestNegatives = (pairs: readonly TrainingPair[]): number =>
  pairs.length ? pairs.reduce((m, p) => Math.min(m, p.negatives.length), Infinity) : 0;

export function pairsCsv(
  pairs: readonly TrainingPair[],
  options: { negatives?: number; weight?: boolean } = {},
): string {
  const n = options.negatives ?? fewestNegatives(pairs);
  const header = ['query', 'positive', ...negativeColumns(n)];
  if (options.weight) header.push('weight');
  const rows = pairs.map((p) => {
    const row = [p.query, p.positive, ...p.negatives.slice(0, n)];
    if (options.weight) row.push(String(p.weight ?? 1));
    return row;
  });
  return `${Papa.unparse([header, ...rows], { newline: '\n' })}\n`;
}
