import { startKernelThreads } from '../lib/kernels/threads/start.ts';

/**
 * Our kernels on `threads` threads of this worker: helpers are Workers it starts, which share the
 * threaded wasm build's heap (the page is cross-origin isolated wherever that build runs).
 */
export function startWorkerKernelThreads(threads: number): Promise<number> {
  return startKernelThreads(threads, (failed) => {
    const worker = new Worker(new URL('./kernel-thread.ts', import.meta.url), {
      type: 'module',
      name: 'attune-kernel-thread',
    });
    worker.addEventListener('error', failed, { once: true });
    return worker;
  });
}
