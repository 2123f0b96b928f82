import type { TrainingPair } from '../data/pairs.ts';
import type { RetrievalTask } from './retrieval.ts';

/**
 * The retrieval task of a pairs dataset's eval split: corpus = every positive and negative text of
 * the whole dataset, de-duplicated (so train documents are distractors too); queries = the held-out
 * queries; a query's relevant documents = its positives. Ids are positions, stable for a dataset.
 * With a relevance-grade column, each positive is judged with its grade (a repeated pair keeps
 * the last), relevant when the grade is ≥ 1, and the task carries the graded judgements.
 */
export function retrievalTaskFromPairs(
  pairs: readonly TrainingPair[],
  evalQueries: ReadonlySet<string>,
): RetrievalTask {
  const docIds = new Map<string, string>();
  const docId = (text: string) => {
    let id = docIds.get(text);
    if (id === undefined) docIds.set(text, (id = `d${docIds.size}`));
    return id;
  };
  const queryIds = new Map<string, string>();
  const judgements = new Map<string, Map<string, number>>();
  let graded = false;
  for (const p of pairs) {
    const positive = docId(p.positive);
    p.negatives.forEach(docId);
    if (!evalQueries.has(p.query)) continue;
    let qid = queryIds.get(p.query);
    if (qid === undefined) queryIds.set(p.query, (qid = `q${queryIds.size}`));
    let grades = judgements.get(qid);
    if (!grades) judgements.set(qid, (grades = new Map()));
    grades.set(positive, p.grade ?? 1);
    graded ||= p.grade !== undefined;
  }
  const relevant = new Map(
    [...judgements].map(([qid, grades]) => [
      qid,
      new Set([...grades].filter(([, g]) => g >= 1).map(([id]) => id)),
    ]),
  );
  const task: RetrievalTask = {
    corpus: [...docIds].map(([text, id]) => ({ id, text })),
    queries: [...queryIds].map(([text, id]) => ({ id, text })),
    relevant,
  };
  if (graded) task.judgements = judgements;
  return task;
}
