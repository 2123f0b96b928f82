import { describeComputeTarget, type ComputeTarget } from '../env/adapter.ts';
import { spawnEnvWorker } from '../../workers/spawn.ts';

export interface StorageState {
  usedBytes: number;
  quotaBytes: number;
  persisted: boolean;
}

/** Detects the compute target (from a worker) and the browser storage once, and exposes them to the header. */
export class EnvironmentState {
  target = $state.raw<ComputeTarget | null>(null);
  storage = $state.raw<StorageState | null>(null);
  error = $state<string | null>(null);

  async detect(): Promise<void> {
    await Promise.all([this.detectTarget(), this.refreshStorage(true)]);
  }

  private async detectTarget(): Promise<void> {
    const worker = spawnEnvWorker();
    try {
      this.target = describeComputeTarget(await worker.api.probeAdapter());
    } catch (e) {
      this.error = `Could not probe WebGPU: ${(e as Error).message}`;
      this.target = describeComputeTarget(null);
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

export const environment = new EnvironmentState();
