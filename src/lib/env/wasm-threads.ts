/**
 * How many threads tfjs's WebAssembly backend computes on in the studio's workers: the choice a
 * person makes in the header, what it defaults to, and how it reaches a worker before the backend
 * first starts. Threads need the page cross-origin isolated (SharedArrayBuffer); without it every
 * worker computes on one.
 */

/** tfjs pre-creates 8 pthread workers (tfjs-backend-wasm cc/BUILD) and never gives XNNPACK more. */
export const MAX_WASM_THREADS = 8;

/** The counts worth offering on a machine with `cores` logical cores: 1 up to every core, at most 8. */
export function threadOptions(cores: number): number[] {
  return Array.from({ length: maxThreads(cores) }, (_, i) => i + 1);
}

/** Every core (`navigator.hardwareConcurrency`), at most 8; 1 when the browser does not say. */
export function defaultThreads(cores: number): number {
  return maxThreads(cores);
}

/** `n` as a count a worker can use here: a whole number from 1 to every core (at most 8). */
export function clampThreads(n: number, cores: number): number {
  if (!Number.isFinite(n)) return defaultThreads(cores);
  return Math.min(Math.max(1, Math.round(n)), maxThreads(cores));
}

/**
 * The stored choice (`localStorage`, a decimal count) as a count for this machine: absent or
 * unreadable, every core; a count from a machine with more cores, this machine's every core.
 */
export function parseStoredThreads(stored: string | null, cores: number): number {
  if (stored === null || !/^\s*\d+\s*$/.test(stored)) return defaultThreads(cores);
  return clampThreads(Number(stored), cores);
}

/**
 * A module worker has nothing from its page before its first message except its options: the
 * worker's `name` carries the thread count, so the backend is set up before any call reaches it.
 */
const NAME_PREFIX = 'attune-wasm-threads=';

export function workerName(threads: number): string {
  return `${NAME_PREFIX}${threads}`;
}

/** The thread count a worker's `name` carries; 1 when it carries none (a worker started elsewhere). */
export function threadsFromWorkerName(name: string): number {
  if (!name.startsWith(NAME_PREFIX)) return 1;
  const n = Number(name.slice(NAME_PREFIX.length));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_WASM_THREADS) : 1;
}

/** The header's words for the count workers compute on: "wasm · 4 threads", or why only one. */
export function describeThreads(threads: number, isolated: boolean): string {
  if (!isolated) return 'wasm · 1 thread (page not isolated)';
  return `wasm · ${threads} ${threads === 1 ? 'thread' : 'threads'}`;
}

function maxThreads(cores: number): number {
  const n = Number.isFinite(cores) ? Math.floor(cores) : 1;
  return Math.min(Math.max(1, n), MAX_WASM_THREADS);
}
