/**
 * Turns a mining result into rows to train on and, for a stored dataset, into its next version.
 */
import type { TrainingPair } from '../data/pairs.ts';
import { negativeColumns } from '../data/pairs-csv.ts';
import { datasetRecord, type NewDatasetRecord } from '../store/dataset-record.ts';
import type { DatasetRecord } from '../store/schema.ts';
import type { MiningResult } from './select.ts';
import type { MiningTask } from './task.ts';

export interface MinedPairs {
  pairs: TrainingPair[];
  /** Rows of queries that got fewer negatives than asked, left out. */
  dropped: number;
}

/**
 * Every row of `pairs` with its query's mined negatives in place of the ones it had, in the same
 * order. Rows whose query was not mined (held out for evaluation) stay as they were. A row whose
 * query got fewer than `numNegatives` is left out, as the reference's n-tuple output leaves it:
 * the trainer needs the same negative columns in every row.
 */
export function minedPairs(
  pairs: readonly TrainingPair[],
  task: MiningTask,
  result: MiningResult,
): MinedPairs {
  const queryIndex = new Map(task.queries.map((text, q) => [text, q]));
  const out: TrainingPair[] = [];
  let dropped = 0;
  for (const pair of pairs) {
    const q = queryIndex.get(pair.query);
    if (q === undefined) {
      out.push(pair);
      continue;
    }
    const negatives = result.queries[q].negatives;
    if (negatives.length < result.plan.numNegatives) dropped++;
    else out.push({ ...pair, negatives: negatives.map((n) => task.corpus[n.index]) });
  }
  return { pairs: out, dropped };
}

const MINED_SUFFIX = / \(mined v\d+\)$/;

/**
 * The record of a mined version of `parent`: version n+1 pointing at its parent, named
 * "<name> (mined v<n+1>)", with `negative_1..n` columns and the parent's evaluation queries.
 */
export function minedDatasetRecord(
  parent: DatasetRecord,
  version: { id: string; created: number; pairs: number; numNegatives: number },
): NewDatasetRecord {
  const number = parent.version + 1;
  return datasetRecord({
    id: version.id,
    name: `${parent.name.replace(MINED_SUFFIX, '')} (mined v${number})`,
    version: number,
    parentId: parent.id,
    source: parent.source,
    created: version.created,
    columns: {
      query: parent.columns.query,
      positive: parent.columns.positive,
      negatives: negativeColumns(version.numNegatives),
      ...(parent.columns.score === undefined ? {} : { score: parent.columns.score }),
      ...(parent.columns.grade === undefined ? {} : { grade: parent.columns.grade }),
    },
    counts: { pairs: version.pairs },
    evalQueries: parent.evalQueries,
    splitSeed: parent.splitSeed,
  });
}
