import * as tf from '@tensorflow/tfjs';
import { expose } from 'comlink';
import type { TrainingPair } from '../lib/data/pairs.ts';
import { parseCorpus } from '../lib/mine/corpus.ts';
import { planMining, type MiningOptions } from '../lib/mine/options.ts';
import { rankForMining, type MiningStage } from '../lib/mine/rank.ts';
import { RERANKER_NEEDS_A_FILTER, rescoreForMining, rescores } from '../lib/mine/rescore.ts';
import { throwIfCancelled } from '../lib/util/cancel.ts';
import './cancellation.ts';
import { mineHardNegatives, MiningInputError, type MiningInput } from '../lib/mine/select.ts';
import { miningTask, type MiningTask } from '../lib/mine/task.ts';
import { minedDatasetRecord, minedPairs } from '../lib/mine/version.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import type { SentenceModel } from '../lib/model/folder.ts';
import { retrievalPrompts } from '../lib/model/prompts.ts';
import { openAttuneDb, type Db } from '../lib/store/db.ts';
import { getDataset, readPairs, saveDataset } from '../lib/store/datasets.ts';
import { getCheckpoint, getRun } from '../lib/store/runs.ts';
import type { DatasetRecord, ModelRef } from '../lib/store/schema.ts';
import { decodeCheckpoint, modelAtCheckpoint } from '../lib/train/checkpoint.ts';
import { resolveCrossEncoder, resolveModel } from './resolve-model.ts';
import { useBackend, type BackendName } from './tf-backend.ts';

/** The model that ranks: a base model, or the latest checkpoint of a run. */
export type MiningModel = { kind: 'base'; ref: ModelRef } | { kind: 'run'; runId: string };

export interface MiningRequest {
  datasetId: string;
  model: MiningModel;
  options: MiningOptions;
  /**
   * A cross-encoder that rescores the candidates and positives; the filters and sampling then
   * read its scores (`mine_hard_negatives(…, cross_encoder=…)`). Needs a filter set.
   */
  reranker: ModelRef | null;
  /** More candidate documents: a BEIR corpus.jsonl, or one document per line. */
  extraCorpus: File | null;
  backend: BackendName;
  batchSize: number;
}

export type MiningProgressStage = 'loading' | MiningStage | 'rescoring';

export type MiningEvent =
  | { type: 'started'; backend: string; documents: number; queries: number }
  | { type: 'progress'; stage: MiningProgressStage; done: number; total: number };

/** What the review needs: the rankings, the query texts, and how many rows each query has. */
export interface MiningRanked {
  input: MiningInput;
  queries: string[];
  rowsPerQuery: number[];
}

export interface SavedVersion {
  dataset: DatasetRecord;
  /** Rows left out because their query got fewer negatives than asked. */
  dropped: number;
}

/** The last mining, kept for `save`: everything it needs without the model. */
interface Session {
  parent: DatasetRecord;
  pairs: TrainingPair[];
  task: MiningTask;
  input: MiningInput;
  options: MiningOptions;
}

let session: Session | null = null;
let controller: AbortController | null = null;

async function loadModel(db: Db, model: MiningModel): Promise<SentenceModel> {
  if (model.kind === 'base') return resolveModel(db, model.ref);
  const run = await getRun(db, model.runId);
  if (!run) throw new Error('the run was deleted; choose another model');
  const checkpoint = await getCheckpoint(db, run.id);
  if (!checkpoint) throw new Error(`the run "${run.name}" has no checkpoint yet`);
  return modelAtCheckpoint(await resolveModel(db, run.model), decodeCheckpoint(checkpoint.bytes));
}

/**
 * Ranks the corpus of a dataset (its positives and negatives, plus the extra corpus) for each of
 * its training queries; the queries held out for evaluation are not mined. Cancelled by `cancel`
 * with CancelledError.
 */
async function mine(request: MiningRequest, emit: (e: MiningEvent) => void): Promise<MiningRanked> {
  if (controller) throw new Error('mining is already running in this worker');
  controller = new AbortController();
  const { signal } = controller;
  session = null;
  const db = await openAttuneDb();
  try {
    emit({ type: 'progress', stage: 'loading', done: 0, total: 1 });
    const parent = await getDataset(db, request.datasetId);
    if (!parent) throw new Error('the dataset was deleted; choose another one');
    const pairs = await readPairs(db, parent.id);
    const extraCorpus = request.extraCorpus
      ? parseCorpus(await request.extraCorpus.text(), request.extraCorpus.name)
      : [];
    const task = miningTask(pairs, { extraCorpus, skipQueries: new Set(parent.evalQueries) });
    const plan = planMining(
      request.options,
      task.positives.reduce((m, p) => Math.max(m, p.length), 0),
    );
    if (request.reranker && !rescores(plan)) throw new MiningInputError(RERANKER_NEEDS_A_FILTER);
    const backend = await useBackend(request.backend);
    const encoder = new SentenceEncoder(await loadModel(db, request.model));
    throwIfCancelled(signal, 'mining');
    emit({
      type: 'started',
      backend,
      documents: task.corpus.length,
      queries: task.queries.length,
    });
    const ranked = await rankForMining(encoder, task, plan.window, {
      batchSize: request.batchSize,
      prompts: retrievalPrompts(encoder.model.prompts),
      signal,
      onProgress: (stage, done, total) => emit({ type: 'progress', stage, done, total }),
    }).finally(() => encoder.dispose());
    const input = request.reranker
      ? await rescore(db, request.reranker, ranked, task.queries, plan.window, request, emit)
      : ranked;
    throwIfCancelled(signal, 'mining');
    session = { parent, pairs, task, input, options: request.options };
    const queryIndex = new Map(task.queries.map((text, q) => [text, q]));
    const rowsPerQuery = task.queries.map(() => 0);
    for (const p of pairs) {
      const q = queryIndex.get(p.query);
      if (q !== undefined) rowsPerQuery[q]++;
    }
    return { input, queries: task.queries, rowsPerQuery };
  } finally {
    controller = null;
    db.close();
  }
}

/**
 * The ranking rescored by the reranker, the cross-encoder reading the texts as they are (prompts
 * are the bi-encoder's), as `mine --cross-encoder` does.
 */
async function rescore(
  db: Db,
  reranker: ModelRef,
  input: MiningInput,
  queries: string[],
  window: number,
  request: MiningRequest,
  emit: (e: MiningEvent) => void,
): Promise<MiningInput> {
  emit({ type: 'progress', stage: 'rescoring', done: 0, total: 1 });
  const crossEncoder = await resolveCrossEncoder(db, reranker);
  return rescoreForMining(crossEncoder, input, queries, window, {
    batchSize: request.batchSize,
    onProgress: (done, total) => emit({ type: 'progress', stage: 'rescoring', done, total }),
  }).finally(() => crossEncoder.dispose());
}

/**
 * Saves the last mining as a new version of its dataset, with the negatives the person rejected
 * (query → corpus rows) passed over. The parent dataset is left as it is.
 */
async function save(rejected: [number, number[]][]): Promise<SavedVersion> {
  if (!session) throw new Error('there is no mining to save: mine the dataset first');
  const { parent, pairs, task, input, options } = session;
  const result = mineHardNegatives(
    input,
    options,
    new Map(rejected.map(([q, rows]) => [q, new Set(rows)])),
  );
  const mined = minedPairs(pairs, task, result);
  const record = minedDatasetRecord(parent, {
    id: crypto.randomUUID(),
    created: Date.now(),
    pairs: mined.pairs.length,
    numNegatives: result.plan.numNegatives,
  });
  const db = await openAttuneDb();
  try {
    return { dataset: await saveDataset(db, record, mined.pairs), dropped: mined.dropped };
  } finally {
    db.close();
  }
}

const api = {
  mine,
  save,
  cancel: () => controller?.abort(),
  memory: () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes }),
};

export type MiningWorkerApi = typeof api;
expose(api);
