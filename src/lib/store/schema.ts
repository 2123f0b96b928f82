import type { DBSchema } from 'idb';
import type { TrainingPair } from '../data/pairs.ts';
import type { BackendPreference } from '../env/backend-choice.ts';
import type { PromptConfig } from '../model/prompts.ts';

/**
 * Attune's IndexedDB schema. Every record type lives here so that one version number covers the
 * whole database; `migrations.ts` upgrades from any older version. Bump DB_VERSION and add a
 * migration step when a store or an index changes.
 */
export const DB_NAME = 'attune';
export const DB_VERSION = 2;

export interface DatasetSource {
  fileName: string;
  size: number;
  sha256: string;
}

export interface DatasetRecord {
  id: string;
  name: string;
  /** 1 for an import; mining hard negatives or editing creates version n+1 with `parentId` set. */
  version: number;
  parentId?: string;
  source: DatasetSource;
  created: number;
  /** Column names as imported, by role. */
  columns: {
    query: string;
    positive: string;
    negatives: string[];
    score?: string;
    /** The relevance-grade column; absent in datasets without one (and in older records). */
    grade?: string;
  };
  counts: { pairs: number; rejected: number; warnings: number; duplicates: number };
  chunkCount: number;
  /** Query texts held out for evaluation (seeded split by query). */
  evalQueries?: string[];
  /** The seed `evalQueries` were chosen with; absent in datasets imported before it was kept. */
  splitSeed?: number;
  /** Where the data comes from: pairs to train on, or a BEIR evaluation set. */
  kind: 'pairs' | 'beir';
  /**
   * 'importing' while chunks are being written: such a record is invisible to every list and is
   * swept on the next start, so a failed, cancelled or crashed import leaves nothing behind.
   */
  status: 'importing' | 'ready';
}

/** Rows of a dataset in chunks, so a million-row import never needs one giant value. */
export interface DatasetChunk {
  datasetId: string;
  index: number;
  pairs: TrainingPair[];
}

/** A model the person brought as files (dropped folder, re-imported export). Hub models live in Cache Storage. */
export interface LocalModelRecord {
  id: string;
  name: string;
  created: number;
  files: Record<string, Uint8Array>;
  /** 'reranker': a cross-encoder (`BertForSequenceClassification`); absent: a base model. */
  role?: ModelRole;
}

/** What a stored model is for: a base model to fine-tune, or a cross-encoder that reranks. */
export type ModelRole = 'base' | 'reranker';

/**
 * 'interrupted': the run's worker ended without saying so (a crash, a closed tab, an upgrade);
 * the run holds at its last checkpoint and can resume.
 */
export type RunStatus = 'running' | 'paused' | 'stopped' | 'failed' | 'completed' | 'interrupted';

/** Where a run's base model comes from. */
export type ModelRef = (
  | { kind: 'hub'; host: string; repo: string; revision: string }
  | { kind: 'local'; id: string; name: string }
) & {
  /** Prompts the person set on the Model page; absent: the model's own, or its authors' (`effectivePrompts`). */
  prompts?: PromptConfig;
};

export interface RunRecord {
  id: string;
  name: string;
  created: number;
  updated: number;
  status: RunStatus;
  datasetId: string;
  model: ModelRef;
  /** The resolved TrainConfig, as JSON. */
  config: Record<string, unknown>;
  /**
   * With loss margin-mse: the reranker whose logit margins label the rows (GPL); absent, the
   * dataset's score column is the label.
   */
  reranker?: ModelRef;
  /** Evaluate nDCG@10 on the eval split every N steps (0 = only at the start and the end). */
  evalEvery: number;
  /** The compute backend asked for; a resumed run asks again ('auto' for runs of schema v1 without one). */
  backend: BackendPreference;
  totalSteps: number;
  step: number;
  /** One entry per step taken: [step, loss, lr, seconds, pairs, tokens]. */
  history: [number, number, number, number, number, number][];
  /** nDCG@10 on the eval split: [step, value]; step 0 is the base model. */
  evalPoints: [number, number][];
  error?: string;
}

/** The latest checkpoint of a run (encodeCheckpoint bytes), replaced atomically. */
export interface CheckpointRecord {
  runId: string;
  step: number;
  created: number;
  bytes: Uint8Array;
}

/** An imported BEIR evaluation set (kind 'beir'): corpus, queries and relevance judgements. */
export interface EvalSetRecord {
  datasetId: string;
  corpus: { id: string; text: string }[];
  queries: { id: string; text: string }[];
  /** [query id, document id] for every relevant pair (score > 0). */
  qrels: [string, string][];
  /**
   * [query id, document id, grade] for every qrels row, grade 0 included: the graded judgements
   * trec_eval's measures read. Absent in sets imported before grades were kept; their `qrels`
   * then count as grade 1.
   */
  judgements?: [string, string, number][];
}

/**
 * Corpus embeddings of one model on one dataset version (`embeddingCacheKey`), so that evaluating
 * the same model on the same corpus again skips the corpus. `fingerprint` is of the corpus texts
 * in order: an entry whose corpus changed under the same key is never used.
 */
export interface EmbeddingRecord {
  key: string;
  fingerprint: string;
  rows: number;
  dim: number;
  /** Row-major [rows, dim]. */
  data: Float32Array;
  created: number;
}

/**
 * A query-generation job, stored as it runs so a reload loses nothing: entry -1 holds the job
 * (its inputs and where it stopped), entry n ≥ 0 the queries generated for document n.
 */
export type GenerationEntry =
  | {
      jobId: string;
      index: -1;
      kind: 'job';
      created: number;
      name: string;
      corpus: string[];
      examples: { query: string; document?: string }[];
      generator: { host: string; repo: string; revision: string };
      sampling: {
        temperature: number;
        topP: number;
        maxNewTokens: number;
        perDocument: number;
        seed: number;
      };
      /** Documents [0, nextDocument) are done. */
      nextDocument: number;
      status: 'running' | 'paused' | 'done';
    }
  | { jobId: string; index: number; kind: 'document'; queries: string[]; unparsable: number };

export interface AttuneDb extends DBSchema {
  datasets: { key: string; value: DatasetRecord; indexes: { created: number } };
  datasetChunks: { key: [string, number]; value: DatasetChunk; indexes: { datasetId: string } };
  models: { key: string; value: LocalModelRecord };
  runs: { key: string; value: RunRecord; indexes: { created: number; datasetId: string } };
  checkpoints: { key: string; value: CheckpointRecord };
  evalSets: { key: string; value: EvalSetRecord };
  embeddings: { key: string; value: EmbeddingRecord };
  generations: { key: [string, number]; value: GenerationEntry };
}
