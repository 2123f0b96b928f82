import { expose } from 'comlink';
import { summariseAdapter, type AdapterSummary } from '../lib/env/adapter.ts';
import type { BackendChoice, BackendName, BackendTrial } from '../lib/env/backend-choice.ts';
import { useFastestBackend } from './tf-backend.ts';

/** Asks for a WebGPU adapter from inside a worker: that is where training runs, so that is what counts. */
async function probeAdapter(): Promise<AdapterSummary | null> {
  if (!('gpu' in navigator) || !navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return null;
  return summariseAdapter(adapter);
}

/**
 * Times a small training step on each of `candidates` (see `probeBackends`), reporting each as
 * it ends so the page can give up on one that takes too long.
 */
function probeTraining(
  candidates: BackendName[],
  onTrial: (trial: BackendTrial<BackendName>) => void,
): Promise<BackendChoice<BackendName>> {
  return useFastestBackend(candidates, onTrial);
}

const api = { probeAdapter, probeTraining };
export type EnvWorkerApi = typeof api;
expose(api);
