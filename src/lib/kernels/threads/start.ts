import * as tf from '@tensorflow/tfjs';
import { KernelPool, kernelPool, kernelThreads, useKernelPool, type HelperThread } from './pool.ts';

/** The threaded wasm build's heap: Emscripten keeps its shared memory on the module. */
function wasmHeap(): WebAssembly.Memory | null {
  const backend = tf.findBackend('wasm') as { wasm?: { wasmMemory?: WebAssembly.Memory } } | null;
  const memory = backend?.wasm?.wasmMemory;
  return memory && memory.buffer instanceof SharedArrayBuffer ? memory : null;
}

/**
 * Splits our kernels over `threads` threads once the wasm backend runs: this one and
 * `threads − 1` helpers from `spawn` (the host's threads: `worker_threads` in Node, Workers in a
 * browser), which calls `failed` when a helper cannot load. 1, or a heap that is not shared (the
 * single-threaded build), ends any pool. Returns the threads kernels run on: 1 where the helpers
 * did not come up, which leaves the kernels on this thread, as before.
 */
export async function startKernelThreads(
  threads: number,
  spawn: (failed: () => void) => HelperThread,
): Promise<number> {
  const memory = threads > 1 ? wasmHeap() : null;
  if (!memory) {
    useKernelPool(null);
    return 1;
  }
  const running = kernelPool();
  if (running?.memory === memory && running.threads === threads) return threads;
  // A pool of another heap (the backend started again) must not take a job meanwhile.
  useKernelPool(null);
  const failed = new AbortController();
  const helpers: HelperThread[] = [];
  try {
    while (helpers.length < threads - 1) helpers.push(spawn(() => failed.abort()));
  } catch {
    // The host cannot start a thread here (no Worker, no loader): one thread, as before.
    for (const h of helpers) h.terminate();
    return 1;
  }
  useKernelPool(await KernelPool.start(memory, helpers, failed.signal));
  return kernelThreads();
}
