/**
 * Our typed-array kernels on every core of tfjs's threaded wasm build. That build's heap is a
 * shared `WebAssembly.Memory`; helper threads (Node `worker_threads` or dedicated Workers, spawned
 * by the host) hold the same memory and run a slice of a kernel's loop on it while the calling
 * thread runs the first slice. Kernels stay synchronous, as tfjs calls them: the caller blocks
 * in `Atomics.wait` until every helper has finished its slice.
 *
 * A kernel splits work it can cut into independent items (rows, (sequence, head) pairs, elements)
 * that write disjoint outputs, so every item is computed exactly as on one thread: results are
 * bit-identical at any thread count.
 *
 * The job travels in a small SharedArrayBuffer (`control`): the task's name, each array as
 * (dtype, byte offset, length) on the heap, and the task's numeric parameters.
 */

import type { Values } from '../arrays.ts';

/** Runs items [start, end) of a task on `arrays` with `params`. */
export type RangeBody = (arrays: Values[], params: number[], start: number, end: number) => void;

/** A loop over items, registered by name so that a helper thread finds the same body. */
export interface RangeTask {
  name: string;
  /**
   * Runs all `items`, split over the threads when a pool runs, the arrays are on its heap and the
   * loop's `work` (its element steps or multiply-adds, roughly) is worth it.
   */
  run(arrays: Values[], params: number[], items: number, work: number): void;
}

/**
 * Below this much work a split costs more than it saves: waking a helper and waiting for the
 * last one take tens of microseconds, a few hundred thousand element steps.
 */
const MIN_SPLIT_WORK = 1 << 18;

const bodies = new Map<string, RangeBody>();

/** Registers `body` under `name`. */
export function rangeTask(name: string, body: RangeBody): RangeTask {
  if (name.length > NAME_CHARS) throw new Error(`task name over ${NAME_CHARS} characters: ${name}`);
  if (bodies.has(name)) throw new Error(`task ${name} is registered twice`);
  bodies.set(name, body);
  return {
    name,
    run(arrays, params, items, work) {
      const pool = active;
      if (pool && items >= 2 && work >= MIN_SPLIT_WORK && pool.holds(arrays))
        pool.run(name, arrays, params, items);
      else body(arrays, params, 0, items);
    },
  };
}

// --- The control block. ----------------------------------------------------------------------

const GENERATION = 0;
const PENDING = 1;
const FAILED = 2;
const READY = 3;
const STOP = 4;
const ARRAY_COUNT = 5;
const PARAM_COUNT = 6;
const ITEMS = 7;
const THREADS = 8;
const NAME_LENGTH = 9;
const NAME_AT = 16;
const NAME_CHARS = 48;
/** Float64 slots, after the Int32 header (byte 256): 3 per array, then the parameters. */
const SLOTS_AT = 256;
const MAX_ARRAYS = 96;
const MAX_PARAMS = 32;
const CONTROL_BYTES = SLOTS_AT + 8 * (3 * MAX_ARRAYS + MAX_PARAMS);

const FLOAT32 = 0;
const INT32 = 1;

/** Items [start, end) of `items` for thread `t` of `threads` (the caller is thread 0). */
const slice = (items: number, t: number, threads: number) =>
  [Math.floor((t * items) / threads), Math.floor(((t + 1) * items) / threads)] as const;

/** What a helper thread receives, once, before it serves jobs. */
export interface HelperInit {
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** This helper's thread index, 1 … threads − 1. */
  index: number;
}

/** The host's handle on one helper thread. */
export interface HelperThread {
  postMessage(init: HelperInit): void;
  terminate(): unknown;
}

/** The caller's side: one per thread that runs kernels (the worker or the CLI's main thread). */
export class KernelPool {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private busy = false;
  /** Runs split over the threads so far (the bench and the tests read it). */
  splitRuns = 0;

  private constructor(
    readonly memory: WebAssembly.Memory,
    private readonly control: SharedArrayBuffer,
    private readonly helpers: HelperThread[],
  ) {
    this.i32 = new Int32Array(control);
    this.f64 = new Float64Array(control, SLOTS_AT);
  }

  /**
   * Hands `memory` to `helpers` and waits (up to `timeoutMs`) until each has loaded the kernels.
   * Returns null, the helpers ended, when one does not come up in time or `failed` aborts (the
   * host's word that a helper failed to load): the kernels then run on one thread.
   */
  static async start(
    memory: WebAssembly.Memory,
    helpers: HelperThread[],
    failed?: AbortSignal,
    timeoutMs = 30_000,
  ): Promise<KernelPool | null> {
    if (!(memory.buffer instanceof SharedArrayBuffer) || helpers.length === 0) return null;
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const pool = new KernelPool(memory, control, helpers);
    pool.i32[THREADS] = helpers.length + 1;
    helpers.forEach((h, i) => h.postMessage({ memory, control, index: i + 1 }));
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(pool.i32, READY) < helpers.length) {
      if (failed?.aborted || Date.now() > deadline) {
        pool.stop();
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return pool;
  }

  get threads(): number {
    return this.helpers.length + 1;
  }

  /**
   * Whether every array is a view on this pool's heap, where the helpers can reach it. The heap is
   * the only shared memory kernels see (scratch and cpu tensors are plain ArrayBuffers), and a
   * shared memory's `buffer` is a new object after each growth, so the test is on kind and size.
   */
  holds(arrays: Values[]): boolean {
    const size = this.memory.buffer.byteLength;
    return arrays.every(
      (a) => a.buffer instanceof SharedArrayBuffer && a.buffer.byteLength <= size,
    );
  }

  run(name: string, arrays: Values[], params: number[], items: number): void {
    const body = bodies.get(name)!;
    // A body that itself runs a task (or a second caller) runs it here, whole.
    if (this.busy || arrays.length > MAX_ARRAYS || params.length > MAX_PARAMS) {
      body(arrays, params, 0, items);
      return;
    }
    this.busy = true;
    this.splitRuns++;
    try {
      this.post(name, arrays, params, items);
      const [start, end] = slice(items, 0, this.threads);
      let error: unknown = null;
      try {
        body(arrays, params, start, end);
      } catch (e) {
        error = e;
      }
      for (let p; (p = Atomics.load(this.i32, PENDING)) !== 0;) Atomics.wait(this.i32, PENDING, p);
      if (error) throw error;
      if (Atomics.load(this.i32, FAILED))
        throw new Error(`kernel task ${name} failed on a helper thread`);
    } finally {
      this.busy = false;
    }
  }

  /** Ends the helpers; kernels run on the calling thread from then on. */
  stop(): void {
    if (active === this) active = null;
    Atomics.store(this.i32, STOP, 1);
    Atomics.add(this.i32, GENERATION, 1);
    Atomics.notify(this.i32, GENERATION);
    for (const h of this.helpers) h.terminate();
  }

  private post(name: string, arrays: Values[], params: number[], items: number): void {
    const { i32, f64 } = this;
    i32[NAME_LENGTH] = name.length;
    for (let c = 0; c < name.length; c++) i32[NAME_AT + c] = name.charCodeAt(c);
    i32[ARRAY_COUNT] = arrays.length;
    i32[PARAM_COUNT] = params.length;
    i32[ITEMS] = items;
    i32[FAILED] = 0;
    arrays.forEach((a, i) => {
      f64[3 * i] = a instanceof Int32Array ? INT32 : FLOAT32;
      f64[3 * i + 1] = a.byteOffset;
      f64[3 * i + 2] = a.length;
    });
    params.forEach((p, i) => (f64[3 * MAX_ARRAYS + i] = p));
    Atomics.store(i32, PENDING, this.helpers.length);
    Atomics.add(i32, GENERATION, 1);
    Atomics.notify(i32, GENERATION);
  }
}

let active: KernelPool | null = null;

/** The pool kernels split their loops over from now on (null: one thread). */
export function useKernelPool(pool: KernelPool | null): void {
  if (active && active !== pool) active.stop();
  active = pool;
}

/** A helper's heap (set when it starts serving); the calling thread's is its pool's. */
let helperHeap: WebAssembly.Memory | null = null;

/** The wasm heap this thread computes on with the pool: a task body's way to reach it. */
export function threadHeap(): WebAssembly.Memory | null {
  return helperHeap ?? active?.memory ?? null;
}

/** The pool kernels split over, or null. */
export function kernelPool(): KernelPool | null {
  return active;
}

/** The threads kernels run on: the pool's, or 1. */
export function kernelThreads(): number {
  return active?.threads ?? 1;
}

/**
 * A helper thread's life: waits for a job, runs its slice, says it is done; returns on stop.
 * Blocks its thread throughout (`Atomics.wait`), as a dedicated helper may.
 */
export function serveKernelJobs({ memory, control, index }: HelperInit): void {
  const i32 = new Int32Array(control);
  const f64 = new Float64Array(control, SLOTS_AT);
  helperHeap = memory;
  Atomics.add(i32, READY, 1);
  let seen = Atomics.load(i32, GENERATION);
  for (;;) {
    Atomics.wait(i32, GENERATION, seen);
    const generation = Atomics.load(i32, GENERATION);
    if (generation === seen) continue;
    seen = generation;
    if (Atomics.load(i32, STOP)) return;
    try {
      const name = String.fromCharCode(...i32.subarray(NAME_AT, NAME_AT + i32[NAME_LENGTH]));
      const body = bodies.get(name);
      if (!body) throw new Error(`no kernel task ${name} on this thread`);
      const heap = memory.buffer;
      const arrays: Values[] = Array.from({ length: i32[ARRAY_COUNT] }, (_, i) =>
        f64[3 * i] === INT32
          ? new Int32Array(heap, f64[3 * i + 1], f64[3 * i + 2])
          : new Float32Array(heap, f64[3 * i + 1], f64[3 * i + 2]),
      );
      const params = Array.from(f64.subarray(3 * MAX_ARRAYS, 3 * MAX_ARRAYS + i32[PARAM_COUNT]));
      const [start, end] = slice(i32[ITEMS], index, i32[THREADS]);
      if (start < end) body(arrays, params, start, end);
    } catch {
      Atomics.store(i32, FAILED, 1);
    }
    if (Atomics.sub(i32, PENDING, 1) === 1) Atomics.notify(i32, PENDING);
  }
}
