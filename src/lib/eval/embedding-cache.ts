/**
 * Corpus embeddings cached per (model identity, corpus version). Embedding the corpus is almost
 * all of an evaluation's time, and the same model is evaluated on the same corpus again and
 * again (after each run, with other resampling settings), so the corpus matrix is stored once
 * under `${modelKey}|${datasetId}` and an embedder answers that exact text list from the store.
 *
 * A dataset id names one immutable version (mining or editing makes a new id), and a model key
 * names fixed weights: a Hub revision, a stored local model, or one checkpoint step of a run.
 * The entry also carries a fingerprint of the corpus texts in order, so an entry is only used
 * for the very texts it was computed from.
 */
import { Fingerprinter } from '../data/hash.ts';
import type { Embedder } from './retrieval.ts';

/** Which weights an embedding comes from. A Hub host is left out: a mirror serves the same files. */
export type ModelIdentity =
  | { kind: 'hub'; repo: string; revision: string }
  | { kind: 'local'; id: string }
  | { kind: 'run'; runId: string; step: number };

/** `hub:repo@revision`, `local:<id>` or `run:<id>@<checkpoint step>`. */
export function modelKey(model: ModelIdentity): string {
  switch (model.kind) {
    case 'hub':
      return `hub:${model.repo}@${model.revision}`;
    case 'local':
      return `local:${model.id}`;
    case 'run':
      return `run:${model.runId}@${model.step}`;
  }
}

/** The store key of one model's embeddings of one dataset version's corpus. */
export function embeddingCacheKey(model: ModelIdentity, datasetId: string): string {
  return `${modelKey(model)}|${datasetId}`;
}

/** One cached corpus matrix, as the store keeps it (structured-cloneable). */
export interface CachedEmbeddings {
  fingerprint: string;
  rows: number;
  dim: number;
  /** Row-major [rows, dim]. */
  data: Float32Array;
}

/** Where cached matrices live (IndexedDB in the studio). */
export interface EmbeddingStore {
  get(key: string): Promise<CachedEmbeddings | undefined>;
  put(key: string, value: CachedEmbeddings): Promise<void>;
}

/** A 64-bit fingerprint of texts in order (see `Fingerprinter`): the corpus version an entry is for. */
export function textsFingerprint(texts: readonly string[]): string {
  const f = new Fingerprinter();
  for (const text of texts) f.add(text);
  return f.take();
}

/** Packs equal-length rows into one matrix, the form the store keeps. */
export function packEmbeddings(
  rows: readonly Float32Array[],
  fingerprint: string,
): CachedEmbeddings {
  const dim = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    if (row.length !== dim) {
      throw new RangeError(`embedding ${i} has ${row.length} dimensions, expected ${dim}`);
    }
    data.set(row, i * dim);
  });
  return { fingerprint, rows: rows.length, dim, data };
}

/** The rows of a packed matrix, as views into it (nothing is copied). */
export function unpackEmbeddings(cached: CachedEmbeddings): Float32Array[] {
  const { data, rows, dim } = cached;
  if (data.length !== rows * dim) {
    throw new RangeError(`cached matrix holds ${data.length} values, expected ${rows} × ${dim}`);
  }
  return Array.from({ length: rows }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface CorpusCacheOptions {
  store: EmbeddingStore;
  key: string;
  /** The corpus texts, in the order the evaluation embeds them. */
  corpus: readonly string[];
  /** Whether the corpus came from the store (true) or was embedded (false). */
  onCorpus?: (fromCache: boolean) => void;
  /** The cache failed to read or write: the evaluation goes on, embedding the corpus itself. */
  onWarning?: (message: string) => void;
}

/**
 * An embedder that answers the corpus from the store when it holds this key with this corpus's
 * fingerprint, and otherwise embeds it with `inner` and stores it. Every other text list (the
 * queries) goes to `inner`. Embeddings are a function of the model and the texts alone, so
 * answering from the store is exact, not an approximation.
 */
export function corpusCachedEmbedder(inner: Embedder, options: CorpusCacheOptions): Embedder {
  const { store, key, corpus, onCorpus, onWarning } = options;
  const warn = (what: string, e: unknown) =>
    onWarning?.(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  return {
    async embed(texts, embedOptions) {
      if (!sameTexts(texts, corpus)) return inner.embed(texts, embedOptions);
      const fingerprint = textsFingerprint(corpus);
      const cached = await store.get(key).catch((e: unknown) => {
        warn('could not read the embedding cache, so the corpus is embedded again', e);
        return undefined;
      });
      if (cached && cached.fingerprint === fingerprint && cached.rows === corpus.length) {
        onCorpus?.(true);
        embedOptions.onProgress?.(corpus.length, corpus.length);
        return unpackEmbeddings(cached);
      }
      const rows = await inner.embed(texts, embedOptions);
      onCorpus?.(false);
      await store.put(key, packEmbeddings(rows, fingerprint)).catch((e: unknown) => {
        warn('could not store the corpus embeddings, so the next evaluation embeds them again', e);
      });
      return rows;
    },
  };
}
