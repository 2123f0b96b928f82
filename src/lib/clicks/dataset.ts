import Papa from 'papaparse';
import type { TrainingPair } from '../data/pairs.ts';
import { chooseEvalQueries, type SplitOptions } from '../data/split.ts';
import type { DatasetRecord, DatasetSource } from '../store/schema.ts';
import type { ClickLogReport } from './log.ts';

/** Column names of a click dataset, as the Data page's preview labels them. */
export const CLICK_COLUMNS = { query: 'query', positive: 'clicked document' } as const;

/** The negative columns every pair has (the build gives each the same number). */
const fewestNegatives = (pairs: TrainingPair[]) =>
  pairs.length ? pairs.reduce((m, p) => Math.min(m, p.negatives.length), Infinity) : 0;

const negativeNames = (n: number) =>
  Array.from({ length: n }, (_, k) => (n === 1 ? 'skipped above' : `skipped above ${k + 1}`));

export interface ClickDatasetInput {
  id: string;
  name: string;
  created: number;
  source: DatasetSource;
  log: ClickLogReport;
  pairs: TrainingPair[];
  split?: Partial<SplitOptions>;
}

/**
 * The dataset record for weighted pairs from a click log, with its eval queries held out by the
 * same seeded split by query as any imported dataset, so that it trains and evaluates alike.
 */
export function clickDatasetRecord(
  input: ClickDatasetInput,
): Omit<DatasetRecord, 'status' | 'chunkCount'> {
  const { pairs } = input;
  const negatives = fewestNegatives(pairs);
  return {
    id: input.id,
    name: input.name,
    version: 1,
    source: input.source,
    created: input.created,
    columns: { ...CLICK_COLUMNS, negatives: negativeNames(negatives) },
    counts: {
      pairs: pairs.length,
      rejected: input.log.rejected.length + input.log.omitted,
      warnings: 0,
      duplicates: 0,
    },
    evalQueries: [
      ...chooseEvalQueries(
        pairs.map((p) => p.query),
        input.split,
      ),
    ],
    kind: 'pairs',
  };
}

/**
 * The pairs as CSV (query, positive, negative_1…, weight), for `train --weight-column weight`
 * in the command line.
 */
export function weightedPairsCsv(pairs: TrainingPair[]): string {
  const n = fewestNegatives(pairs);
  const negatives = Array.from({ length: n }, (_, k) => `negative_${k + 1}`);
  const header = ['query', 'positive', ...negatives, 'weight'];
  const rows = pairs.map((p) => [
    p.query,
    p.positive,
    ...p.negatives.slice(0, n),
    String(p.weight ?? 1),
  ]);
  return Papa.unparse([header, ...rows], { newline: '\n' }) + '\n';
}
