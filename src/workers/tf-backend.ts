import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import {
  PROBE_CANDIDATES,
  type BackendChoice,
  type BackendName,
  type BackendTrial,
} from '../lib/env/backend-choice.ts';
import { startBackend } from '../lib/env/start-backend.ts';
import { registerWebGPUBackend } from '../lib/env/webgpu-device.ts';
import { probeBackends } from '../lib/env/probe.ts';

export type { BackendName };

// The wasm binaries are bundled assets: tell tfjs where the bundler put them.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/**
 * tfjs-backend-wasm's threaded build starts its pthread workers with `importScripts(blob:…)`,
 * which needs `blob:` in the page's `script-src`; the studio's CSP does not grant it, and the
 * backend would then wait for its threads forever. So threads stay off unless the page allows
 * them (call before the wasm backend first starts).
 */
export function allowWasmThreads(allowed: boolean): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', allowed);
  // tfjs takes half the cores (for hyper-threads); a training worker may use them all.
  if (allowed) setThreadsCount(Math.max(1, navigator.hardwareConcurrency || 1));
}
allowWasmThreads(false);
registerWebGPUBackend();

/** Switches this worker's TensorFlow.js to `preferred`, falling back to cpu when it cannot start. */
export async function useBackend(preferred: BackendName): Promise<BackendName> {
  if (preferred !== 'cpu' && (await startBackend(preferred))) return preferred;
  await startBackend('cpu');
  return 'cpu';
}

/**
 * Measures a short training step on each candidate this worker can start and stays on the
 * fastest that trains correctly (list cpu first: the reference the others must match).
 */
export function useFastestBackend(
  candidates: readonly BackendName[] = PROBE_CANDIDATES,
  onTrial?: (trial: BackendTrial<BackendName>) => void,
): Promise<BackendChoice<BackendName>> {
  return probeBackends([...candidates], startBackend, onTrial);
}
