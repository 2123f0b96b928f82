import * as tf from '@tensorflow/tfjs';
import { expose } from 'comlink';
import { evaluateRetrieval } from '../lib/eval/retrieval.ts';
import { retrievalTaskFromPairs } from '../lib/eval/pairs-task.ts';
import { splitByQuery } from '../lib/data/split.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { openAttuneDb } from '../lib/store/db.ts';
import { getDataset, readPairs } from '../lib/store/datasets.ts';
import { getCheckpoint, getRun, saveCheckpoint, updateRun } from '../lib/store/runs.ts';
import type { RunRecord } from '../lib/store/schema.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../lib/train/checkpoint.ts';
import { resolveTrainConfig, type TrainConfig } from '../lib/train/config.ts';
import { TrainingSession, type CheckpointStore } from '../lib/train/session.ts';
import { Trainer, withDropout, type StepMetrics } from '../lib/train/trainer.ts';
import { resolveModel } from './resolve-model.ts';
import { useBackend, type BackendName } from './tf-backend.ts';

export type TrainingEvent =
  | { type: 'status'; message: string }
  | { type: 'started'; backend: string; totalSteps: number; step: number }
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
async function train(
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
  const split = splitByQuery(pairs, new Set(dataset.evalQueries));

  emit({ type: 'status', message: 'Loading the model…' });
  const model = await resolveModel(db, run.model);
  const encoder = new SentenceEncoder(withDropout(model, config.dropout));
  const stored = await getCheckpoint(db, runId);
  const resumeState = stored ? decodeCheckpoint(stored.bytes) : undefined;
  const trainer = new Trainer(encoder, split.train, config, resumeState);

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
      await saveCheckpoint(db, { runId, step: state.step, created: Date.now(), bytes }, snapshot());
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
        ? async () => (await evaluateRetrieval(encoder, task)).metrics['ndcg@10']
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
  emit({ type: 'started', backend: used, totalSteps: trainer.totalSteps, step: trainer.step });
  try {
    const outcome = await session.run();
    await updateRun(db, runId, () => ({ ...snapshot(), status: outcome }));
    return outcome;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await updateRun(db, runId, (r) => ({
      ...r,
      status: 'failed',
      error: message,
      history,
      evalPoints,
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
