/**
 * Exact top-k search of query embeddings against a corpus embedding matrix, in corpus chunks so
 * that memory is bounded by [queries, chunk] scores however large the corpus is: each chunk's
 * scores come from one matrix product, `tf.topk` keeps its best k per query, and a running
 * top-k per query merges the chunks (as `InformationRetrievalEvaluator` does with
 * `corpus_chunk_size`). Only the tfjs core API is used, so any backend runs it.
 *
 * Equal scores rank by corpus position, earlier first, on every backend. The reference leaves
 * that order open (torch.topk makes no promise for ties and its heap orders them by id), so
 * this is where we choose; it matters for duplicate documents, which score exactly alike.
 */
import * as tf from '@tensorflow/tfjs';
import type { ScoredDoc } from './metrics.ts';

/** Row-major embeddings: row i is data[i·cols .. (i+1)·cols). */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export type Embeddings = Matrix | tf.Tensor2D;

/** A corpus row and its score for one query. */
export interface Neighbor {
  index: number;
  score: number;
}

export type Similarity = 'cosine' | 'dot';

export interface TopKOptions {
  k: number;
  /** `cosine` (sentence-transformers' default `cos_sim`) or `dot` (the raw product). */
  similarity?: Similarity;
  /** Corpus rows per step; by default as many as keep one step's scores under 2^24 floats. */
  chunkSize?: number;
  /** Called after each chunk with the corpus rows scored so far. */
  onProgress?: (scored: number, total: number) => void;
}

/** 64 MB of float32 scores per step: small for a GPU, and few enough steps for a 100k corpus. */
const SCORES_PER_STEP = 1 << 24;

export class TopKError extends Error {
  override name = 'TopKError';
}

function shapeOf(e: Embeddings): [number, number] {
  return e instanceof tf.Tensor ? [e.shape[0], e.shape[1]] : [e.rows, e.cols];
}

/** Rows [start, end) as a tensor; the caller disposes it. */
function rowsOf(e: Embeddings, start: number, end: number): tf.Tensor2D {
  if (e instanceof tf.Tensor) return tf.slice(e, [start, 0], [end - start, e.shape[1]]);
  return tf.tensor2d(e.data.subarray(start * e.cols, end * e.cols), [end - start, e.cols]);
}

/** Scales rows to unit length as torch's `normalize` does: x / max(‖x‖, 1e-12). */
function prepare(x: tf.Tensor2D, similarity: Similarity): tf.Tensor2D {
  if (similarity === 'dot') return x;
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));
}

/** Whether a ranks before b: higher score, then lower corpus index. */
function before(a: Neighbor, b: Neighbor): boolean {
  return a.score > b.score || (a.score === b.score && a.index < b.index);
}

function byRank(a: Neighbor, b: Neighbor): number {
  return b.score - a.score || a.index - b.index;
}

function mergeTopK(a: readonly Neighbor[], b: readonly Neighbor[], k: number): Neighbor[] {
  const out: Neighbor[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && before(a[i], b[j]))) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

/**
 * The k best of one chunk for each query. `tf.topk` is exact about the scores, but when several
 * rows tie with the k-th score, which of them it keeps is the backend's choice; for those rows
 * (counted on the device, so nothing large moves) the whole score row is read back and cut here.
 */
async function chunkTopK(scores: tf.Tensor2D, k: number, offset: number): Promise<Neighbor[][]> {
  const [queries, rows] = scores.shape;
  const { values, indices } = tf.topk(scores, k, true);
  const atLeastKth =
    k < rows
      ? tf.tidy(() => {
          const kth = tf.slice(values, [0, k - 1], [queries, 1]);
          return tf.sum(tf.cast(tf.greaterEqual(scores, kth), 'int32'), 1);
        })
      : null;
  try {
    const [top, at, counts] = await Promise.all([
      values.data(),
      indices.data(),
      atLeastKth ? atLeastKth.data() : Promise.resolve(null),
    ]);
    const result: Neighbor[][] = [];
    for (let q = 0; q < queries; q++) {
      let best: Neighbor[];
      if (counts && counts[q] > k) {
        const row = tf.slice(scores, [q, 0], [1, rows]);
        const all = await row.data();
        row.dispose();
        best = Array.from(all, (score, index) => ({ index, score }))
          .sort(byRank)
          .slice(0, k);
      } else {
        best = [];
        for (let i = 0; i < k; i++) best.push({ index: at[q * k + i], score: top[q * k + i] });
        best.sort(byRank);
      }
      result.push(best.map((n) => ({ index: offset + n.index, score: n.score })));
    }
    return result;
  } finally {
    tf.dispose([values, indices]);
    atLeastKth?.dispose();
  }
}

/**
 * For each query row, the k corpus rows with the highest similarity, best first. Rows are
 * indices into `corpus`; fewer than k come back when the corpus is smaller than k.
 */
export async function exactTopK(
  queries: Embeddings,
  corpus: Embeddings,
  options: TopKOptions,
): Promise<Neighbor[][]> {
  const { k, similarity = 'cosine', onProgress } = options;
  const [numQueries, dim] = shapeOf(queries);
  const [numDocs, corpusDim] = shapeOf(corpus);
  if (dim !== corpusDim) {
    throw new TopKError(`queries have ${dim} dimensions but the corpus has ${corpusDim}`);
  }
  if (!Number.isInteger(k) || k < 1) throw new TopKError(`k must be a positive integer, got ${k}`);
  const chunkSize = options.chunkSize ?? Math.max(1, Math.floor(SCORES_PER_STEP / numQueries));
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new TopKError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  let running: Neighbor[][] = Array.from({ length: numQueries }, () => []);
  if (numQueries === 0 || numDocs === 0) return running;

  // [Q, D]
  const q = tf.tidy(() => prepare(rowsOf(queries, 0, numQueries), similarity));
  try {
    for (let start = 0; start < numDocs; start += chunkSize) {
      const end = Math.min(start + chunkSize, numDocs);
      // [Q, C]
      const scores = tf.tidy(() =>
        tf.matMul<tf.Tensor2D>(q, prepare(rowsOf(corpus, start, end), similarity), false, true),
      );
      try {
        const chunk = await chunkTopK(scores, Math.min(k, end - start), start);
        running = running.map((best, i) => mergeTopK(best, chunk[i], k));
      } finally {
        scores.dispose();
      }
      onProgress?.(end, numDocs);
    }
  } finally {
    q.dispose();
  }
  return running;
}

/** Query id → ranked documents, the input of `evaluateRankings`. */
export function toRankings(
  queryIds: readonly string[],
  corpusIds: readonly string[],
  neighbors: readonly (readonly Neighbor[])[],
): Map<string, ScoredDoc[]> {
  return new Map(
    queryIds.map((id, q) => [
      id,
      neighbors[q].map((n) => ({ docId: corpusIds[n.index], score: n.score })),
    ]),
  );
}
