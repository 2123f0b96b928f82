import * as tf from '@tensorflow/tfjs';
import { expose } from 'comlink';
import { runBakeoff, type BakeoffEvent, type BakeoffOutcome } from '../lib/eval/bakeoff.ts';
import {
  corpusCachedEmbedder,
  embeddingCacheKey,
  modelKey,
  type ModelIdentity,
} from '../lib/eval/embedding-cache.ts';
import {
  evaluationOutcome,
  type EvaluationOutcome,
  type SystemResult,
} from '../lib/eval/outcome.ts';
import { evaluateModel } from '../lib/eval/evaluate-model.ts';
import { taskJudgements } from '../lib/eval/evidence.ts';
import { weightsSha256 } from '../lib/eval/kit/fingerprint.ts';
import { evaluationKit, type KitInput, type KitRun } from '../lib/eval/kit/kit.ts';
import { retrievalTaskFromPairs } from '../lib/eval/pairs-task.ts';
import { missingDocIds } from '../lib/eval/report.ts';
import { rerankedSystem, type RerankSection } from '../lib/eval/rerank.ts';
import type { RetrievalStage, RetrievalTask } from '../lib/eval/retrieval.ts';
import { judgementsFromRows } from '../lib/eval/trec.ts';
import { zipBlob } from '../lib/export/zip.ts';
import { memoryPartialStore } from '../lib/hub/partial.ts';
import type { SentenceModel } from '../lib/model/folder.ts';
import { retrievalPrompts, withPrompt } from '../lib/model/prompts.ts';
import { openAttuneDb, type Db } from '../lib/store/db.ts';
import { getDataset, readPairs } from '../lib/store/datasets.ts';
import { idbEmbeddingStore } from '../lib/store/embeddings.ts';
import { getCheckpoint, getRun } from '../lib/store/runs.ts';
import type { ModelRef } from '../lib/store/schema.ts';
import { decodeCheckpoint, modelAtCheckpoint } from '../lib/train/checkpoint.ts';
import { resolveCrossEncoder, resolveModel } from './resolve-model.ts';
import { useBackend, type BackendName } from './tf-backend.ts';
import { throwIfCancelled } from '../lib/util/cancel.ts';
import './cancellation.ts';

export type SystemName = 'base' | 'tuned';
export type EvaluationStage = 'loading' | RetrievalStage | 'statistics' | 'reranking';

export type EvaluationEvent =
  | { type: 'started'; backend: string; documents: number; queries: number }
  | {
      type: 'progress';
      system: SystemName;
      stage: EvaluationStage;
      done: number;
      total: number;
      /** Texts embedded per second in this stage so far; null outside the embedding stages. */
      docsPerSecond: number | null;
    }
  | { type: 'corpus'; system: SystemName; fromCache: boolean }
  | { type: 'warning'; message: string };

export interface EvaluationRequest {
  /** A pairs dataset (its eval split) or an imported BEIR set. */
  datasetId: string;
  /** The run whose base model is evaluated, and whose latest checkpoint is the tuned system. */
  runId: string;
  /** false: the base model alone. */
  compareTuned: boolean;
  /**
   * Also evaluate "the last system's top `top`, then this cross-encoder" (retrieve and rerank)
   * against that system alone.
   */
  reranker: { ref: ModelRef; label: string; top: number } | null;
  backend: BackendName;
  batchSize: number;
  resamples: number;
  seed: number;
}

/** The reranked system of an evaluation, and which system's ranking it reordered. */
export interface RerankOutcome extends RerankSection {
  first: SystemName;
  top: number;
}

/**
 * The run in progress: `cancel` aborts it, which stops an evaluation between batches with
 * CancelledError and a bake-off's Hub download at once. Null when the worker is idle.
 */
let controller: AbortController | null = null;
/** What the last finished evaluation needs for its kit (`kit`); null before one finishes. */
let lastKit: Omit<KitInput, 'created'> | null = null;
/** Interrupted downloads, kept for the worker's life: cancel, then run again, and they resume. */
const partials = memoryPartialStore();

/** One run at a time: the controller of the new run. */
function begin(): AbortSignal {
  if (controller) throw new Error('an evaluation is already running in this worker');
  controller = new AbortController();
  return controller.signal;
}

/** The task of a dataset: a pairs dataset's eval split, or a BEIR set's queries and qrels. */
async function loadTask(
  db: Db,
  datasetId: string,
): Promise<{ name: string; split: string; task: RetrievalTask; dataset: KitInput['dataset'] }> {
  const dataset = await getDataset(db, datasetId);
  if (!dataset) throw new Error('the evaluation set was deleted; choose another one');
  if (dataset.kind === 'beir') {
    const set = await db.get('evalSets', datasetId);
    if (!set)
      throw new Error(`the BEIR set "${dataset.name}" has no stored corpus; import it again`);
    const relevant = new Map<string, Set<string>>();
    for (const [queryId, docId] of set.qrels) {
      const ids = relevant.get(queryId) ?? new Set<string>();
      relevant.set(queryId, ids.add(docId));
    }
    const task: RetrievalTask = { corpus: set.corpus, queries: set.queries, relevant };
    if (set.judgements) task.judgements = judgementsFromRows(set.judgements);
    const hash = { sha256: dataset.source.sha256 || null, splitSeed: null };
    return { name: dataset.name, split: 'test', task, dataset: hash };
  }
  const evalQueries = new Set(dataset.evalQueries ?? []);
  if (evalQueries.size === 0) {
    throw new Error(
      `"${dataset.name}" holds no queries out for evaluation; split it on the Data page`,
    );
  }
  const task = retrievalTaskFromPairs(await readPairs(db, datasetId), evalQueries);
  const hash = { sha256: dataset.source.sha256 || null, splitSeed: dataset.splitSeed ?? null };
  return { name: dataset.name, split: 'eval', task, dataset: hash };
}

function identityOf(ref: ModelRef): ModelIdentity {
  return ref.kind === 'hub'
    ? { kind: 'hub', repo: ref.repo, revision: ref.revision }
    : { kind: 'local', id: ref.id };
}

/**
 * Evaluates the base model, then (when asked) the run's fine-tuned model, on one task, and
 * returns both with bootstrap intervals and paired p-values. Corpus embeddings come from and go
 * to the IndexedDB cache. Progress goes to `emit`; `cancel` stops it between batches.
 */
async function evaluate(
  request: EvaluationRequest,
  emit: (e: EvaluationEvent) => void,
): Promise<EvaluationOutcome & { rerank: RerankOutcome | null }> {
  const signal = begin();
  const checkCancelled = () => throwIfCancelled(signal, 'the evaluation');
  lastKit = null;
  const db = await openAttuneDb();
  try {
    const run = await getRun(db, request.runId);
    if (!run) throw new Error('the run was deleted; choose another one');
    const checkpoint = request.compareTuned ? await getCheckpoint(db, run.id) : undefined;
    if (request.compareTuned && !checkpoint) {
      throw new Error(`the run "${run.name}" has no checkpoint yet: evaluate its base model alone`);
    }
    const backend = await useBackend(request.backend);
    const { name, split, task, dataset } = await loadTask(db, request.datasetId);
    emit({ type: 'started', backend, documents: task.corpus.length, queries: task.queries.length });
    const store = idbEmbeddingStore(db);
    const runs: KitRun[] = [];
    const corpus = task.corpus.map((d) => d.text);

    const evaluateSystem = async (
      system: SystemName,
      model: SentenceModel,
      identity: ModelIdentity,
    ) => {
      // Stages follow each other without a gap, so a stage starts when the previous one reported
      // last; the clock starts after the warm-up batch, as the CLI's and the bake-off's do.
      let stage: RetrievalStage = 'corpus';
      let stageStart = 0;
      let lastReport = 0;
      const evaluation = await evaluateModel(model, task, {
        batchSize: request.batchSize,
        embedder: (encoder) =>
          corpusCachedEmbedder(encoder, {
            store,
            key: embeddingCacheKey(identity, request.datasetId),
            // The cache entry's fingerprint covers the prompted texts, so other prompts never reuse it.
            corpus: withPrompt(corpus, retrievalPrompts(model.prompts).document),
            onCorpus: (fromCache) => emit({ type: 'corpus', system, fromCache }),
            onWarning: (message) => emit({ type: 'warning', message }),
          }),
        onProgress: (next, done, total, elapsedMs) => {
          checkCancelled();
          if (next !== stage) [stage, stageStart] = [next, lastReport];
          lastReport = elapsedMs;
          const seconds = (elapsedMs - stageStart) / 1000;
          const docsPerSecond = next !== 'search' && seconds > 0 ? done / seconds : null;
          emit({ type: 'progress', system, stage: next, done, total, docsPerSecond });
        },
      });
      return evaluation.result;
    };

    emit({
      type: 'progress',
      system: 'base',
      stage: 'loading',
      done: 0,
      total: 1,
      docsPerSecond: null,
    });
    const baseModel = await resolveModel(db, run.model);
    checkCancelled();
    const base: SystemResult = {
      name: modelKey(identityOf(run.model)),
      result: await evaluateSystem('base', baseModel, identityOf(run.model)),
    };
    runs.push({
      role: 'base',
      model: base.name,
      rankings: base.result.rankings,
      weightsSha256: weightsSha256(baseModel.weights),
    });
    let tuned: SystemResult | null = null;
    if (checkpoint) {
      emit({
        type: 'progress',
        system: 'tuned',
        stage: 'loading',
        done: 0,
        total: 1,
        docsPerSecond: null,
      });
      const identity: ModelIdentity = { kind: 'run', runId: run.id, step: checkpoint.step };
      const model = modelAtCheckpoint(baseModel, decodeCheckpoint(checkpoint.bytes));
      tuned = { name: modelKey(identity), result: await evaluateSystem('tuned', model, identity) };
      runs.push({
        role: 'compared',
        model: tuned.name,
        rankings: tuned.result.rankings,
        weightsSha256: weightsSha256(model.weights),
      });
    }
    checkCancelled();
    emit({
      type: 'progress',
      system: tuned ? 'tuned' : 'base',
      stage: 'statistics',
      done: 0,
      total: 1,
      docsPerSecond: null,
    });
    const outcome = evaluationOutcome({
      task,
      dataset: { name, split },
      base,
      tuned,
      resampling: { resamples: request.resamples, seed: request.seed },
    });
    lastKit = { report: outcome.report, judgements: taskJudgements(task), runs, dataset };
    const rerank = request.reranker
      ? await rerankLast(db, request.reranker, task, tuned ? 'tuned' : 'base', tuned ?? base, {
          batchSize: request.batchSize,
          resampling: { resamples: request.resamples, seed: request.seed },
          emit,
          checkCancelled,
        })
      : null;
    return { ...outcome, rerank };
  } finally {
    controller = null;
    db.close();
  }
}

/** The reranked system: `system`'s top `top` reordered by the cross-encoder, and its comparison. */
async function rerankLast(
  db: Db,
  reranker: NonNullable<EvaluationRequest['reranker']>,
  task: RetrievalTask,
  first: SystemName,
  system: SystemResult,
  options: {
    batchSize: number;
    resampling: { resamples: number; seed: number };
    emit: (e: EvaluationEvent) => void;
    checkCancelled: () => void;
  },
): Promise<RerankOutcome> {
  const report = (done: number, total: number) =>
    options.emit({
      type: 'progress',
      system: first,
      stage: 'reranking',
      done,
      total,
      docsPerSecond: null,
    });
  report(0, 1);
  const crossEncoder = await resolveCrossEncoder(db, reranker.ref);
  const section = await rerankedSystem(crossEncoder, task, system.result, reranker.top, {
    name: `${system.name} → ${reranker.label} (top ${reranker.top})`,
    batchSize: options.batchSize,
    resampling: options.resampling,
    onProgress: (done, total) => {
      options.checkCancelled();
      report(done, total);
    },
  }).finally(() => crossEncoder.dispose());
  return { ...section, first, top: reranker.top };
}

export type BakeoffWorkerEvent =
  | { type: 'started'; backend: string; documents: number; queries: number }
  | { type: 'download'; candidate: number; received: number; total: number | null }
  | BakeoffEvent;

export interface BakeoffRequest {
  /** A pairs dataset (its eval split) or an imported BEIR set. */
  datasetId: string;
  /** 2–5 models; `name` labels each in the table and must be unique. */
  candidates: { name: string; ref: ModelRef }[];
  backend: BackendName;
  batchSize: number;
  resamples: number;
  seed: number;
}

/**
 * Downloads (Hub, with progress and the cache) or reads (local) each candidate in turn and
 * evaluates it zero-shot on one task; `runBakeoff` ranks them. Corpus embeddings are not taken
 * from the cache: embedding the corpus is how each model's speed is measured.
 */
async function bakeoff(
  request: BakeoffRequest,
  emit: (e: BakeoffWorkerEvent) => void,
): Promise<BakeoffOutcome> {
  const signal = begin();
  const db = await openAttuneDb();
  try {
    const backend = await useBackend(request.backend);
    const { name, split, task } = await loadTask(db, request.datasetId);
    emit({ type: 'started', backend, documents: task.corpus.length, queries: task.queries.length });
    const load = (ref: ModelRef, candidate: number) =>
      resolveModel(db, ref, {
        partials,
        signal,
        onProgress: (p) =>
          emit({ type: 'download', candidate, received: p.received, total: p.total }),
      });
    return await runBakeoff(
      request.candidates.map((c, i) => ({ name: c.name, load: () => load(c.ref, i) })),
      {
        task,
        dataset: { name, split, missingDocIds: missingDocIds(task) },
        batchSize: request.batchSize,
        resampling: { resamples: request.resamples, seed: request.seed },
        onEvent: (e) => {
          throwIfCancelled(signal, 'the bake-off');
          emit(e);
        },
        signal,
      },
    );
  } finally {
    controller = null;
    db.close();
  }
}

/**
 * The evaluation kit of the last finished evaluation as a zip (src/lib/eval/kit/kit.ts): the
 * same files `eval --kit` writes, in a folder named `root`.
 */
async function kit(root: string): Promise<Blob> {
  if (!lastKit) throw new Error('no finished evaluation to write a kit for: run one first');
  const encoder = new TextEncoder();
  const files = evaluationKit({ ...lastKit, created: new Date().toISOString() });
  return zipBlob(
    [...files].map(([path, text]) => [path, encoder.encode(text)] as const),
    { root },
  );
}

const api = {
  evaluate,
  bakeoff,
  kit,
  cancel: () => controller?.abort(),
  memory: () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes }),
};

export type EvaluationWorkerApi = typeof api;
expose(api);
