/**
 * The accepted queries as a dataset that trains like any other. Real example queries that came
 * with their documents join as pairs and are the held-out evaluation set: measuring on real
 * queries is the point of having them. Without them, a seeded share of the generated queries is
 * held out, as for any import.
 */
import type { TrainingPair } from '../data/pairs.ts';
import { chooseEvalQueries } from '../data/split.ts';
import { datasetRecord, type NewDatasetRecord } from '../store/dataset-record.ts';
import type { DatasetSource } from '../store/schema.ts';
import type { ExampleQuery } from './prompt.ts';

export interface GeneratedDatasetInput {
  id: string;
  name: string;
  created: number;
  /** The corpus the queries were generated from. */
  source: DatasetSource;
  pairs: TrainingPair[];
  examples: readonly ExampleQuery[];
}

export function generatedDataset(input: GeneratedDatasetInput): {
  record: NewDatasetRecord;
  pairs: TrainingPair[];
} {
  const real = input.examples
    .filter((e): e is Required<ExampleQuery> => e.document !== undefined && e.document !== '')
    .map((e) => ({ query: e.query, positive: e.document, negatives: [] }));
  const pairs = [...input.pairs, ...real];
  const evalQueries =
    real.length > 0
      ? [...new Set(real.map((p) => p.query))]
      : [...chooseEvalQueries(input.pairs.map((p) => p.query))];
  return {
    pairs,
    record: datasetRecord({
      id: input.id,
      name: input.name,
      source: input.source,
      created: input.created,
      columns: { query: 'query', positive: 'positive', negatives: [] },
      counts: { pairs: pairs.length },
      evalQueries,
    }),
  };
}
