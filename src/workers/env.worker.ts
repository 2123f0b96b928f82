import { expose } from 'comlink';
import type { AdapterSummary } from '../lib/env/adapter.ts';

/** Asks for a WebGPU adapter from inside a worker: that is where training runs, so that is what counts. */
async function probeAdapter(): Promise<AdapterSummary | null> {
  if (!('gpu' in navigator) || !navigator.gpu) return null;
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallback: Boolean(
      (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter,
    ),
  };
}

const api = { probeAdapter };
export type EnvWorkerApi = typeof api;
expose(api);
