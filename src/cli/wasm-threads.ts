import * as tf from '@tensorflow/tfjs';
import { MAX_WASM_THREADS } from '../lib/env/wasm-threads.ts';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import { startBackend } from '../lib/env/start-backend.ts';
import { startNodeKernelThreads } from './kernel-threads.ts';
import './relaxed-simd.ts';

/**
 * tfjs-backend-wasm's threaded build (XNNPACK on a pool of Emscripten pthreads) in Node.
 * tfjs turns it off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false when `IS_NODE`,
 * tensorflow/tfjs#3830) although the build itself runs on `worker_threads`; what stops it is how
 * tfjs hands the build its scripts, as browser `blob:` URLs:
 *
 * 1. the pthread worker's script is a Blob URL, which `worker_threads.Worker` cannot load: the
 *    Worker class Emscripten installs is wrapped to run that script's text with `eval: true`;
 * 2. the main script reaches each worker as a Blob in its `load` message, which the worker reads
 *    with `importScripts` (a file read in Node): the message carries the script's text instead,
 *    with the names the tfjs bundle gives its Node modules (`require$$0`…), and the worker's
 *    `importScripts` evaluates text;
 * 3. tfjs caps XNNPACK at half the logical cores (it assumes two hardware threads per core), read
 *    once when the module starts: the core count it sees is twice the threads asked for.
 *
 * The pthread workers stay unref'd (Emscripten refs one while its pthread runs): XNNPACK's pool
 * waits on futexes for the process's life and must not keep it alive. The three replacements (global `Blob` and `URL.createObjectURL`, the `Worker` global, `os.cpus`)
 * hold only while the backend starts; the pthreads stay up for the process's life.
 */

/** The tfjs bundle's names for the Node modules its factory uses (tf-backend-wasm.node.js). */
const BUNDLE_PRELUDE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\n";
/** Appended to the pthread worker's script: `importScripts` receives the main script's text. */
const WORKER_EPILOGUE = '\nglobalThis.importScripts = (source) => (0, eval)(source);\n';

type WorkerClass = new (
  url: string | URL,
  options?: object,
) => {
  postMessage(message: unknown, transfer?: unknown): void;
  ref(): void;
  unref(): void;
};

/** Runs `start` with the replacements above in place; restores them however it ends. */
async function withNodeBlobScripts<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const texts = new WeakMap<Blob, string>();
  const urls = new Map<string, string>();
  const NodeBlob = globalThis.Blob;
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');

  globalThis.Blob = class extends NodeBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) texts.set(this, parts.join(''));
    }
  };
  URL.createObjectURL = (blob: Blob) => {
    const url = createObjectURL(blob);
    const text = texts.get(blob);
    if (text !== undefined) urls.set(url, text);
    return url;
  };
  let worker: WorkerClass | undefined;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => worker,
    set: (Base: WorkerClass) => {
      worker = class extends Base {
        constructor(url: string | URL, options?: object) {
          const script = urls.get(String(url));
          if (script === undefined) super(url, options);
          else super(script + WORKER_EPILOGUE, { ...options, eval: true });
          this.unref();
        }
        /** Emscripten refs a worker while its pthread runs; XNNPACK's pool runs until exit. */
        override ref(): void {
          this.unref();
        }
        override postMessage(message: unknown, transfer?: unknown): void {
          const m = message as { cmd?: string; urlOrBlob?: unknown };
          const text = m?.urlOrBlob instanceof NodeBlob ? texts.get(m.urlOrBlob) : undefined;
          if (m?.cmd === 'load' && text !== undefined)
            message = { ...m, urlOrBlob: BUNDLE_PRELUDE + text };
          super.postMessage(message, transfer);
        }
      };
    },
  });
  os.cpus = () => {
    const real = cpus();
    return Array.from(
      { length: Math.max(real.length, 2 * threads) },
      (_, i) => real[i % real.length],
    );
  };
  try {
    return await start();
  } finally {
    globalThis.Blob = NodeBlob;
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    if (workerDescriptor) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else {
      delete (globalThis as { Worker?: unknown }).Worker;
      if (worker) (globalThis as { Worker?: unknown }).Worker = worker;
    }
  }
}

/** How many threads wasm's XNNPACK computes on (1 before the wasm backend has started). */
export function wasmThreadCount(): number {
  const backend = tf.findBackend('wasm') as unknown as {
    wasm: { tfjs: { getThreadsCount(): number } };
  } | null;
  return backend?.wasm.tfjs.getThreadsCount() ?? 1;
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads (1: tfjs's single-threaded SIMD build,
 * as before), at most 8. The build is chosen when the backend starts: asked for another thread
 * count than the running one, it starts the backend again (tensors on the old one are gone, and
 * its threads stay idle until exit). Returns the thread count XNNPACK got, or null when the
 * backend did not start.
 */
export async function startWasm(threads: number): Promise<number | null> {
  const count = Math.max(1, Math.min(threads, MAX_WASM_THREADS));
  if (tf.findBackend('wasm')) {
    if (wasmThreadCount() === count) {
      if (!(await startBackend('wasm'))) return null;
      return Math.min(count, await startNodeKernelThreads(count));
    }
    const factory = tf.findBackendFactory('wasm');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', count > 1);
  setThreadsCount(count);
  const ok =
    count > 1
      ? await withNodeBlobScripts(count, () => startBackend('wasm'))
      : await startBackend('wasm');
  if (!ok) return null;
  // Our kernels on as many threads as XNNPACK: the two never run at once. Should the pool's
  // helpers not come up, the run computes on fewer, and says so.
  return Math.min(wasmThreadCount(), await startNodeKernelThreads(wasmThreadCount()));
}
