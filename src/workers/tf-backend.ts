import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
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
import { threadsFromWorkerName } from '../lib/env/wasm-threads.ts';
import { registerWebGPUBackend } from '../lib/env/webgpu-device.ts';
import { probeBackends } from '../lib/env/probe.ts';
import { kernelThreads } from '../lib/kernels/threads/pool.ts';
import { startWorkerKernelThreads } from './kernel-threads.ts';

export type { BackendName };

// The wasm binaries are bundled assets: tell tfjs where the bundler put them.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

/**
 * The XNNPACK thread count the page gave this worker (its name, see `workerName`): tfjs's threaded
 * build shares its memory with its pthread workers, a SharedArrayBuffer, which only a
 * cross-origin isolated worker has; elsewhere the single-threaded SIMD build, as before. Both are
 * fixed here, before the wasm backend first starts (tfjs reads them when it starts).
 */
let threads = globalThis.crossOriginIsolated ? threadsFromWorkerName(self.name) : 1;
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
setThreadsCount(threads);
registerWebGPUBackend();

/**
 * For a worker the page did not name (the bench's): the threads wasm starts on (XNNPACK and our
 * kernels' pool; 1: the single-threaded build). Call before the wasm backend first starts.
 */
export function allowWasmThreads(count: number): void {
  threads = globalThis.crossOriginIsolated ? Math.max(1, count) : 1;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  setThreadsCount(threads);
}

/**
 * Starts `name`; wasm on this worker's threads. tfjs caps XNNPACK at half of
 * `navigator.hardwareConcurrency` (backend.cc assumes two hardware threads a core), read once as
 * the module starts: while it starts, the count it reads is twice the threads asked for.
 *
 * Where the threads cannot start (a host's own, stricter policy forbids their `blob:` scripts),
 * the threaded build would wait for them forever; each failing thread's error reaches this
 * worker's global scope instead, and wasm starts again on one thread.
 */
async function startWorkerBackend(name: string): Promise<boolean> {
  if (name !== 'wasm' || threads === 1) return startBackend(name);
  const threadFailed = new Promise<false>((resolve) =>
    self.addEventListener('error', () => resolve(false), { once: true }),
  );
  Object.defineProperty(navigator, 'hardwareConcurrency', {
    value: 2 * threads,
    configurable: true,
  });
  try {
    if (await Promise.race([startBackend(name), threadFailed])) {
      // Our kernels on as many threads as XNNPACK: the two never run at once.
      await startWorkerKernelThreads(threads);
      return true;
    }
  } finally {
    Reflect.deleteProperty(navigator, 'hardwareConcurrency');
  }
  const factory = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory);
  threads = 1;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  return startBackend(name);
}

/**
 * How many threads this worker computes on when it computes on wasm (XNNPACK's, and our kernels'
 * pool: the fewer, should the pool's helpers not have come up); null on another backend.
 */
export function wasmThreads(): number | null {
  return tf.getBackend() === 'wasm' ? Math.min(getThreadsCount(), kernelThreads()) : null;
}

/** Switches this worker's TensorFlow.js to `preferred`, falling back to cpu when it cannot start. */
export async function useBackend(preferred: BackendName): Promise<BackendName> {
  if (preferred !== 'cpu' && (await startWorkerBackend(preferred))) return preferred;
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
  return probeBackends([...candidates], startWorkerBackend, onTrial);
}
