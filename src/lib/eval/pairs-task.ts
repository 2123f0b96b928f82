import type { TrainingPair } from '../data/pairs.ts';
import type { RetrievalTask } from './retrieval.ts';

/**
 * The retrieval task of a pairs dataset's eval split: corpus = every positive and negative text of
 * the whole dataset, de-duplicated (so train documents are distractors too); queries = the held-out
 * queries; a query's relevant documents = its positives. Ids are positions, stable for a dataset.
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
  const relevant = new Map<string, Set<string>>();
  for (const p of pairs) {
    const positive = docId(p.positive);
    p.negatives.forEach(docId);
    if (!evalQueries.has(p.query)) continue;
    let qid = queryIds.get(p.query);
    if (qid === undefined) queryIds.set(p.query, (qid = `q${queryIds.size}`));
    let set = relevant.get(qid);
    if (!set) relevant.set(qid, (set = new Set()));
    set.add(positive);
  }
  return {
    corpus: [...docIds].map(([text, id]) => ({ id, text })),
    queries: [...queryIds].map(([text, id]) => ({ id, text })),
    relevant,
  };
}
