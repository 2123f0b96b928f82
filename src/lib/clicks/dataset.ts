import type { TrainingPair } from '../data/pairs.ts';
import { fewestNegatives } from '../data/pairs-csv.ts';
import { chooseEvalQueries, type SplitOptions } from '../data/split.ts';
import { datasetRecord, type NewDatasetRecord } from '../store/dataset-record.ts';
import type { DatasetSource } from '../store/schema.ts';
import type { ClickLogReport } from './log.ts';

/** Column names of a click dataset, as the Data page's preview labels them. */
export const CLICK_COLUMNS = { query: 'query', positive: 'clicked document' } as const;

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
export function clickDatasetRecord(input: ClickDatasetInput): NewDatasetRecord {
  const { pairs } = input;
  const negatives = fewestNegatives(pairs);
  return datasetRecord({
    id: input.id,
    name: input.name,
    source: input.source,
    created: input.created,
    columns: { ...CLICK_COLUMNS, negatives: negativeNames(negatives) },
    counts: { pairs: pairs.length, rejected: input.log.rejected.length + input.log.omitted },
    evalQueries: chooseEvalQueries(
      pairs.map((p) => p.query),
      input.split,
    ),
  });
}
