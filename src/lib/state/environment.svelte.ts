import { proxy } from 'comlink';
import { describeComputeTarget, type AdapterSummary, type ComputeTarget } from '../env/adapter.ts';
import {
  cachedChoice,
  PROBE_CANDIDATES,
  probeCacheKey,
  rankTrials,
  serializeChoice,
  type BackendChoice,
  type BackendName,
  type BackendPreference,
  type BackendTrial,
} from '../env/backend-choice.ts';
import { wasmThreads } from './wasm-threads.svelte.ts';
import { spawnEnvWorker, type WorkerHandle } from '../../workers/spawn.ts';
import type { EnvWorkerApi } from '../../workers/env.worker.ts';

export interface StorageState {
  usedBytes: number;
  quotaBytes: number;
  persisted: boolean;
}

/** Where the probe's ranking is kept between visits: measuring again costs seconds of CPU. */
const CHOICE_STORAGE_KEY = 'attune.backend-choice';

/**
 * A backend whose probe steps have not ended by then is out of the running, and the probe's
 * worker is stopped: a real GPU's three steps (its shaders compiled first) end well within it.
 */
const TRIAL_LIMIT_MS = 8000;

/**
 * Detects the compute target (from a worker), measures which backend trains fastest here (or
 * reads the last measurement for this browser and adapter), and reads the browser storage once;
 * the header shows all three and every worker computes on the measured choice.
 */
export class EnvironmentState {
  target = $state.raw<ComputeTarget | null>(null);
  choice = $state.raw<BackendChoice<BackendName> | null>(null);
  storage = $state.raw<StorageState | null>(null);
  error = $state<string | null>(null);

  private measured: Promise<BackendChoice<BackendName> | null> | null = null;

  async detect(): Promise<void> {
    this.measured ??= this.detectTarget();
    await Promise.all([this.measured, this.refreshStorage(true)]);
  }

  /**
   * The backend to compute on for `preference`: 'auto' waits for the probe and takes its choice
   * (the adapter's backend if the probe failed); anything else is taken as asked.
   */
  async resolveBackend(preference: BackendPreference = 'auto'): Promise<BackendName> {
    if (preference !== 'auto') return preference;
    const choice = await (this.measured ??= this.detectTarget());
    return choice?.backend ?? this.target?.backend ?? 'cpu';
  }

  private async detectTarget(): Promise<BackendChoice<BackendName> | null> {
    const worker = spawnEnvWorker();
    try {
      let adapter: AdapterSummary | null = null;
      try {
        adapter = await worker.api.probeAdapter();
      } catch (e) {
        this.error = `Could not probe WebGPU: ${(e as Error).message}`;
      }
      this.target = describeComputeTarget(adapter);
      const key = probeCacheKey(navigator.userAgent, adapter, wasmThreads.applied);
      this.choice = cachedChoice(localStorage.getItem(CHOICE_STORAGE_KEY), key);
      if (!this.choice) {
        this.choice = await probeWithDeadline(worker, this.target);
        localStorage.setItem(CHOICE_STORAGE_KEY, serializeChoice(key, this.choice));
      }
      return this.choice;
    } catch (e) {
      this.error = `Could not measure the compute backends: ${(e as Error).message}`;
      return null;
    } finally {
      worker.terminate();
    }
  }

  /** Reads usage and quota; on first call also asks the browser to keep our data (`persist`). */
  async refreshStorage(askPersist = false): Promise<void> {
    if (!navigator.storage?.estimate) return;
    const persisted = askPersist
      ? await navigator.storage.persist().catch(() => false)
      : await navigator.storage.persisted().catch(() => false);
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    this.storage = { usedBytes: usage, quotaBytes: quota, persisted };
  }
}

/**
 * Runs the worker's probe over the backends worth measuring, giving each `TRIAL_LIMIT_MS`: when
 * one overruns, the worker is stopped and the choice is made from the trials that ended, the late
 * one (and any after it) recorded as out of time.
 *
 * WebGPU on a software adapter (SwiftShader) is not measured: it emulates the GPU on the CPU
 * cores wasm already uses, far more slowly, and compiling its shaders alone keeps a core busy
 * for ~25 s after the page has moved on.
 */
async function probeWithDeadline(
  worker: WorkerHandle<EnvWorkerApi>,
  target: ComputeTarget,
): Promise<BackendChoice<BackendName>> {
  const trials: BackendTrial<BackendName>[] = [];
  const candidates = PROBE_CANDIDATES.filter((b) => b !== 'webgpu' || !target.software);
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        worker.terminate();
        for (const backend of candidates.slice(trials.length))
          trials.push({ backend, error: `no probe step within ${TRIAL_LIMIT_MS / 1000} s` });
        resolve();
      }, TRIAL_LIMIT_MS);
    };
    restart();
    worker.api
      .probeTraining(
        candidates,
        proxy((trial: BackendTrial<BackendName>) => {
          trials.push(trial);
          restart();
        }),
      )
      .then(() => resolve(), reject)
      .finally(() => clearTimeout(timer));
  });
  if (target.software && target.backend === 'webgpu')
    trials.push({
      backend: 'webgpu',
      error: `not measured, the adapter (${target.adapterName}) is software`,
    });
  return rankTrials(trials);
}

export const environment = new EnvironmentState();
