/**
 * One retrieval evaluation, as `InformationRetrievalEvaluator.__call__` runs it: embed the
 * corpus and the queries, rank the whole corpus for every query by cosine similarity (exact,
 * chunked), keep the top max-k, and score the rankings against the relevance judgements.
 */
import {
  DEFAULT_METRIC_CONFIG,
  evaluateRankings,
  maxK,
  type MetricConfig,
  type Qrels,
  type RetrievalMetrics,
  type ScoredDoc,
} from './metrics.ts';
import type { Judgements } from './trec.ts';
import { exactTopK, toRankings, type Matrix, type Similarity } from './topk.ts';
import { withPrompt, type RetrievalPrompts } from '../model/prompts.ts';

/** Anything that turns texts into embeddings, in input order (`SentenceEncoder` is one). */
export interface Embedder {
  embed(
    texts: string[],
    options: { batchSize?: number; onProgress?: (done: number, total: number) => void },
  ): Promise<Float32Array[]>;
}

export interface RetrievalTask {
  corpus: readonly { id: string; text: string }[];
  queries: readonly { id: string; text: string }[];
  relevant: Qrels;
  /** Graded judgements (grade 0 included) when the data has grades; else `relevant` is grade 1. */
  judgements?: Judgements;
}

export type RetrievalStage = 'corpus' | 'queries' | 'search';

export interface RetrievalOptions {
  metrics?: MetricConfig;
  similarity?: Similarity;
  batchSize?: number;
  /** Corpus rows per search step (see `exactTopK`). */
  chunkSize?: number;
  /** Prepended to queries and documents, as `encode_query` / `encode_document` do (none by default). */
  prompts?: RetrievalPrompts;
  onProgress?: (stage: RetrievalStage, done: number, total: number) => void;
}

export interface RetrievalResult extends RetrievalMetrics {
  /** Query id → its top max-k documents, best first: what the per-query view shows. */
  rankings: Map<string, ScoredDoc[]>;
}

/** A task with nothing to rank or nothing to rank for. */
export class RetrievalTaskError extends Error {
  override name = 'RetrievalTaskError';
}

/** Stacks equal-length embeddings into one row-major matrix. */
export function stackRows(rows: readonly Float32Array[], cols: number): Matrix {
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => data.set(row, i * cols));
  return { data, rows: rows.length, cols };
}

export async function evaluateRetrieval(
  embedder: Embedder,
  task: RetrievalTask,
  options: RetrievalOptions = {},
): Promise<RetrievalResult> {
  const { metrics = DEFAULT_METRIC_CONFIG, similarity = 'cosine', batchSize, onProgress } = options;
  if (task.corpus.length === 0) throw new RetrievalTaskError('the corpus has no documents');
  if (task.queries.length === 0) throw new RetrievalTaskError('there are no queries to evaluate');
  const embed = async (stage: RetrievalStage, texts: string[]) => {
    const rows = await embedder.embed(texts, {
      batchSize,
      onProgress: (done, total) => onProgress?.(stage, done, total),
    });
    return stackRows(rows, rows[0]?.length ?? 0);
  };
  const { query = '', document = '' } = options.prompts ?? {};
  const corpus = await embed(
    'corpus',
    withPrompt(
      task.corpus.map((d) => d.text),
      document,
    ),
  );
  const queries = await embed(
    'queries',
    withPrompt(
      task.queries.map((q) => q.text),
      query,
    ),
  );
  const neighbors = await exactTopK(queries, corpus, {
    k: maxK(metrics),
    similarity,
    chunkSize: options.chunkSize,
    onProgress: (done, total) => onProgress?.('search', done, total),
  });
  const rankings = toRankings(
    task.queries.map((q) => q.id),
    task.corpus.map((d) => d.id),
    neighbors,
  );
  return { ...evaluateRankings(rankings, task.relevant, metrics), rankings };
}
