import type { DatasetRecord, DatasetSource } from './schema.ts';

/** A dataset record as it is first written: its chunks, and so its status, come after. */
export type NewDatasetRecord = Omit<DatasetRecord, 'status' | 'chunkCount'>;

export interface DatasetInput {
  id: string;
  name: string;
  created: number;
  source: DatasetSource;
  columns: DatasetRecord['columns'];
  /** The pairs kept; the other counts are 0 unless given. */
  counts: Pick<DatasetRecord['counts'], 'pairs'> & Partial<DatasetRecord['counts']>;
  /** The queries held out for evaluation; absent when the dataset has not been split. */
  evalQueries?: Iterable<string>;
  /** The seed `evalQueries` were chosen with, when known. */
  splitSeed?: number;
  /** 1 for a new dataset; n+1 with `parentId` for a version made from another. */
  version?: number;
  parentId?: string;
  /** Pairs to train on (the default), or a BEIR evaluation set. */
  kind?: DatasetRecord['kind'];
}

/**
 * The record of a dataset, whichever way it was made: imported from a file or a BEIR folder,
 * built from a click log, generated from a corpus, or mined from a parent version.
 */
export function datasetRecord(input: DatasetInput): NewDatasetRecord {
  const record: NewDatasetRecord = {
    id: input.id,
    name: input.name,
    version: input.version ?? 1,
    source: input.source,
    created: input.created,
    columns: input.columns,
    counts: { rejected: 0, warnings: 0, duplicates: 0, ...input.counts },
    kind: input.kind ?? 'pairs',
  };
  if (input.parentId !== undefined) record.parentId = input.parentId;
  if (input.evalQueries !== undefined) record.evalQueries = [...input.evalQueries];
  if (input.splitSeed !== undefined) record.splitSeed = input.splitSeed;
  return record;
}
