import type { DatasetRecord } from '../store/schema.ts';

/** Where MarginMSE's labels come from: a reranker (by its list key) or the dataset's score column. */
export type MarginTeacher = { kind: 'reranker'; key: string } | { kind: 'score-column' };

/** Why MarginMSE cannot train on `dataset` with `teacher` (null: nothing to label with), or null. */
export function marginMseProblem(
  dataset: Pick<DatasetRecord, 'name' | 'columns'>,
  teacher: MarginTeacher | null,
): string | null {
  if (dataset.columns.negatives.length === 0)
    return `MarginMSE learns from (query, positive, negative) rows and “${dataset.name}” has no negatives: mine hard negatives for it below (with a reranker for denoised ones), then train on the mined version.`;
  if (teacher === null)
    return `MarginMSE needs labels: add a reranker on the Model page to label the rows, or use a dataset with a score column.`;
  if (teacher.kind === 'score-column' && !dataset.columns.score)
    return `“${dataset.name}” has no score column to label the rows with: choose a reranker instead.`;
  if (teacher.kind === 'score-column' && dataset.columns.negatives.length !== 1)
    return `A score column labels one negative per row and “${dataset.name}” has ${dataset.columns.negatives.length}: choose a reranker to label every negative.`;
  return null;
}
