/**
 * The consistency filter's input: for each generated query, the rank of its own document when
 * the embedding model searches the corpus with it (top k only; null beyond). Queries and
 * documents get the model's prompts, as they will in training.
 */
import { exactTopK, type Matrix } from '../eval/topk.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import { retrievalPrompts, withPrompt } from '../model/prompts.ts';
import { ranksFromNeighbors } from './consistency.ts';
import type { GeneratedQuery } from './review.ts';

function toMatrix(rows: Float32Array[], cols: number): Matrix {
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { data, rows: rows.length, cols };
}

export async function roundTripRanks(
  encoder: SentenceEncoder,
  corpus: readonly string[],
  queries: readonly GeneratedQuery[],
  k: number,
  onProgress?: (stage: 'corpus' | 'queries', done: number, total: number) => void,
): Promise<(number | null)[]> {
  if (queries.length === 0) return [];
  const dim = encoder.dimension;
  const prompts = retrievalPrompts(encoder.model.prompts);
  const docs = await encoder.embed(withPrompt(corpus, prompts.document), {
    onProgress: (d, t) => onProgress?.('corpus', d, t),
  });
  const qs = await encoder.embed(
    withPrompt(
      queries.map((q) => q.text),
      prompts.query,
    ),
    { onProgress: (d, t) => onProgress?.('queries', d, t) },
  );
  const neighbors = await exactTopK(toMatrix(qs, dim), toMatrix(docs, dim), {
    k: Math.min(k, corpus.length),
  });
  return ranksFromNeighbors(
    neighbors,
    queries.map((q) => q.document),
  );
}
