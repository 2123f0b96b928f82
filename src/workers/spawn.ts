import { wrap, type Remote } from 'comlink';
import { wasmThreads } from '../lib/state/wasm-threads.svelte.ts';
import './cancellation.ts';
import type { ClicksWorkerApi } from './clicks.worker.ts';
import type { EncoderWorkerApi } from './encoder.worker.ts';
import type { EnvWorkerApi } from './env.worker.ts';
import type { EvaluationWorkerApi } from './evaluation.worker.ts';
import type { ExportWorkerApi } from './export.worker.ts';
import type { GenerateWorkerApi } from './generate.worker.ts';
import type { ImportWorkerApi } from './import.worker.ts';
import type { MiningWorkerApi } from './mining.worker.ts';
import type { TrainingWorkerApi } from './training.worker.ts';

/**
 * Every worker the studio starts, in one place. Vite bundles a worker only when it sees the literal
 * `new Worker(new URL('./x.worker.ts', import.meta.url))`, so each gets its own line here. Each
 * worker's name carries the wasm thread count it starts its backend with.
 */
export interface WorkerHandle<T> {
  api: Remote<T>;
  terminate(): void;
}

function handle<T>(worker: Worker): WorkerHandle<T> {
  return { api: wrap<T>(worker), terminate: () => worker.terminate() };
}

export const spawnEnvWorker = (): WorkerHandle<EnvWorkerApi> =>
  handle(
    new Worker(new URL('./env.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnEncoderWorker = (): WorkerHandle<EncoderWorkerApi> =>
  handle(
    new Worker(new URL('./encoder.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnTrainingWorker = (): WorkerHandle<TrainingWorkerApi> =>
  handle(
    new Worker(new URL('./training.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnExportWorker = (): WorkerHandle<ExportWorkerApi> =>
  handle(
    new Worker(new URL('./export.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnEvaluationWorker = (): WorkerHandle<EvaluationWorkerApi> =>
  handle(
    new Worker(new URL('./evaluation.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnImportWorker = (): WorkerHandle<ImportWorkerApi> =>
  handle(
    new Worker(new URL('./import.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnMiningWorker = (): WorkerHandle<MiningWorkerApi> =>
  handle(
    new Worker(new URL('./mining.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnClicksWorker = (): WorkerHandle<ClicksWorkerApi> =>
  handle(
    new Worker(new URL('./clicks.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );

export const spawnGenerateWorker = (): WorkerHandle<GenerateWorkerApi> =>
  handle(
    new Worker(new URL('./generate.worker.ts', import.meta.url), {
      type: 'module',
      name: wasmThreads.workerName,
    }),
  );
