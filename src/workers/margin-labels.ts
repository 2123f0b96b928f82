import type { TrainingPair } from '../lib/data/pairs.ts';
import type { Db } from '../lib/store/db.ts';
import type { ModelRef } from '../lib/store/schema.ts';
import { teacherMargins } from '../lib/train/gpl-labels.ts';
import { resolveCrossEncoder } from './resolve-model.ts';

/**
 * A MarginMSE run's rows with their labels: the reranker's logit margins CE(q, p) − CE(q, n_j),
 * as GPL labels them (the training worker, and the export worker for train.py); without a
 * reranker, the dataset's score column.
 */
export async function marginLabels(
  db: Db,
  reranker: ModelRef | undefined,
  rows: TrainingPair[],
  options: {
    batchSize: number;
    onLoading?: () => void;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<TrainingPair[]> {
  if (!reranker) return teacherMargins(rows, null);
  options.onLoading?.();
  const crossEncoder = await resolveCrossEncoder(db, reranker);
  return teacherMargins(rows, crossEncoder, options).finally(() => crossEncoder.dispose());
}
