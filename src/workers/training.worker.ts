import * as tf from '@tensorflow/tfjs';
import { isRelevantPair } from '../lib/data/pairs.ts';
import { expose } from 'comlink';
import { evaluateRetrieval } from '../lib/eval/retrieval.ts';
import { retrievalTaskFromPairs } from '../lib/eval/pairs-task.ts';
import { splitByQuery } from '../lib/data/split.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { promptPairs, retrievalPrompts } from '../lib/model/prompts.ts';
import { openAttuneDb } from '../lib/store/db.ts';
import { getDataset, readPairs } from '../lib/store/datasets.ts';
import { getCheckpoint, getRun, saveCheckpoint, updateRun } from '../lib/store/runs.ts';
import type { RunRecord } from '../lib/store/schema.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../lib/train/checkpoint.ts';
import { resolveTrainConfig, type TrainConfig } from '../lib/train/config.ts';
import { TrainingSession, type CheckpointStore } from '../lib/train/session.ts';
import { deviceLimits } from '../lib/env/webgpu-device.ts';
import {
  isOutOfMemory,
  memoryBudget,
  memoryFixes,
  planTraining,
  refusal,
} from '../lib/train/memory-plan.ts';
import { planContext } from '../lib/train/plan-context.ts';
import { modelForRun, Trainer, type StepMetrics } from '../lib/train/trainer.ts';
import { checkpointStorageError } from '../lib/store/quota.ts';
import { marginLabels } from './margin-labels.ts';
import { resolveModel } from './resolve-model.ts';
import { withTrainingLock } from './training-lock.ts';
import { useBackend, wasmThreads, type BackendName } from './tf-backend.ts';

export type TrainingEvent =
  | { type: 'status'; message: string }
  | {
      type: 'started';
      backend: string;
      /** XNNPACK's threads when the run computes on wasm; null on another backend. */
      threads: number | null;
      totalSteps: number;
      step: number;
    }
  | { type: 'step'; metrics: StepMetrics; memoryBytes: number }
  | { type: 'eval'; step: number; ndcg10: number }
  | { type: 'checkpoint'; step: number };

/** How often the run record's step history is written while training (checkpoints write it too). */
const HISTORY_FLUSH_MS = 1000;

let session: TrainingSession | null = null;

/**
 * Trains the stored run `runId` from its last checkpoint (or from the start), writing progress and
 * checkpoints to IndexedDB as it goes, so a reload or a crash loses at most the steps since the
 * last checkpoint. Resolves with the outcome; rejects with a message a person can act on.
 */
function train(
  runId: string,
  backend: BackendName,
  emit: (e: TrainingEvent) => void,
): Promise<'completed' | 'stopped'> {
  return withTrainingLock(() => trainRun(runId, backend, emit));
}

async function trainRun(
  runId: string,
  backend: BackendName,
  emit: (e: TrainingEvent) => void,
): Promise<'completed' | 'stopped'> {
  if (session) throw new Error('a run is already training in this worker');
  const db = await openAttuneDb();
  let run = await getRun(db, runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  const config: TrainConfig = resolveTrainConfig(run.config as Partial<TrainConfig>);
  const used = await useBackend(backend);

  emit({ type: 'status', message: 'Loading the dataset…' });
  const dataset = await getDataset(db, run.datasetId);
  if (!dataset) throw new Error('the run’s dataset was deleted; it cannot continue');
  const pairs = await readPairs(db, dataset.id);
  const split = splitByQuery(pairs, new Set(dataset.evalQueries ?? []));

  emit({ type: 'status', message: 'Loading the model…' });
  const model = modelForRun(await resolveModel(db, run.model), config);
  // The model's prompts go in front of queries and documents, in training and in evaluation alike.
  const prompts = retrievalPrompts(model.prompts);
  // A grade-0 row is a judged non-relevant document: evaluation reads it, training must not.
  const relevant = split.train.filter(isRelevantPair);
  // MarginMSE's labels come from the texts as they are: prompts are the bi-encoder's.
  const labelled =
    config.loss === 'margin-mse'
      ? await marginLabels(db, run.reranker, relevant, {
          batchSize: config.batchSize,
          onLoading: () => emit({ type: 'status', message: 'Loading the reranker…' }),
          onProgress: (done, total) =>
            emit({
              type: 'status',
              message: `Labelling rows with the reranker’s margins: ${done.toLocaleString()} / ${total.toLocaleString()} pairs`,
            }),
        })
      : relevant;
  const trainPairs = promptPairs(labelled, prompts);
  // The memory plan before any step: a run that cannot fit stops here with the memory and a fix.
  const budget = memoryBudget(
    used,
    tf.memory().numBytes,
    used === 'webgpu' ? deviceLimits() : undefined,
  );
  const ctx = planContext(model, trainPairs, budget);
  const plan = planTraining(ctx, config);
  if (!plan.fits) throw new Error(refusal(plan, memoryFixes(ctx, config)));
  const encoder = new SentenceEncoder(model);
  encoder.recompute = plan.recompute;
  const stored = await getCheckpoint(db, runId);
  let savedStep = stored?.step ?? 0;
  const resumeState = stored ? decodeCheckpoint(stored.bytes) : undefined;
  const trainer = new Trainer(encoder, trainPairs, config, resumeState);

  // Steps after the checkpoint were lost with the crash; they are taken again.
  const history = run.history.filter(([step]) => step <= trainer.step);
  const evalPoints = run.evalPoints.filter(([step]) => step <= trainer.step);
  let lastFlush = Date.now();
  const snapshot = (): RunRecord => ({
    ...run!,
    status: 'running',
    step: trainer.step,
    totalSteps: trainer.totalSteps,
    history,
    evalPoints,
    updated: Date.now(),
  });
  run = await updateRun(db, runId, () => snapshot());

  const checkpoints: CheckpointStore = {
    save: async (state) => {
      const bytes = encodeCheckpoint(state);
      const checkpoint = { runId, step: state.step, created: Date.now(), bytes };
      try {
        await saveCheckpoint(db, checkpoint, snapshot());
      } catch (e) {
        throw await checkpointStorageError(e, checkpoint, savedStep, navigator.storage);
      }
      savedStep = state.step;
      emit({ type: 'checkpoint', step: state.step });
    },
    load: async () => {
      const c = await getCheckpoint(db, runId);
      return c ? decodeCheckpoint(c.bytes) : null;
    },
  };
  const task = split.evalQueries.size ? retrievalTaskFromPairs(pairs, split.evalQueries) : null;
  session = new TrainingSession(
    trainer,
    {
      checkpoints,
      checkpointEvery: config.checkpointEvery,
      evalEvery: run.evalEvery,
      evaluate: task
        ? async () => (await evaluateRetrieval(encoder, task, { prompts })).metrics['ndcg@10']
        : undefined,
    },
    {
      onStep: (m) => {
        history.push([m.step, m.loss, m.lr, m.seconds, m.pairs, m.tokens]);
        emit({ type: 'step', metrics: m, memoryBytes: tf.memory().numBytes });
        if (Date.now() - lastFlush > HISTORY_FLUSH_MS) {
          lastFlush = Date.now();
          void updateRun(db, runId, () => snapshot());
        }
      },
      onEval: (step, ndcg10) => {
        evalPoints.push([step, ndcg10]);
        emit({ type: 'eval', step, ndcg10 });
      },
    },
  );
  emit({
    type: 'started',
    backend: used,
    threads: wasmThreads(),
    totalSteps: trainer.totalSteps,
    step: trainer.step,
  });
  try {
    const outcome = await session.run();
    await updateRun(db, runId, () => ({ ...snapshot(), status: outcome }));
    return outcome;
  } catch (e) {
    const fix = memoryFixes(ctx, config)[0];
    const message = isOutOfMemory(e)
      ? `ran out of memory in step ${trainer.step + 1}; the run stopped at its last checkpoint${fix ? `. Try ${fix.label}` : ''}`
      : e instanceof Error
        ? e.message
        : String(e);
    // The run holds at its last checkpoint: that is where a resume takes it up.
    await updateRun(db, runId, (r) => ({
      ...r,
      status: 'failed',
      error: message,
      step: savedStep,
      history: history.filter(([step]) => step <= savedStep),
      evalPoints: evalPoints.filter(([step]) => step <= savedStep),
    }));
    throw new Error(message);
  } finally {
    session = null;
    trainer.dispose();
    encoder.dispose();
    db.close();
  }
}

const api = {
  train,
  pause: () => session?.pause(),
  proceed: () => session?.resume(),
  stop: () => session?.stop(),
  memory: () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes }),
};

export type TrainingWorkerApi = typeof api;
expose(api);
