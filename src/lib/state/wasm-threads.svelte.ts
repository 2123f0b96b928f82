import {
  clampThreads,
  describeThreads,
  parseStoredThreads,
  threadOptions,
  workerName,
} from '../env/wasm-threads.ts';

/** Where the chosen thread count is kept between visits. */
const STORAGE_KEY = 'attune.wasm-threads';

/**
 * How many threads the workers' WebAssembly backend computes on, as the header shows and sets it.
 * Every worker of this page starts with the count stored when the page loaded (`applied`): a
 * running worker's wasm backend keeps its threads for its life, and the workers hold loaded
 * models and runs, so a new choice applies from the next load of the page.
 */
class WasmThreadsState {
  /** Logical cores as the browser reports them (`navigator.hardwareConcurrency`). */
  readonly cores = navigator.hardwareConcurrency || 1;
  /** Threads need SharedArrayBuffer, which only a cross-origin isolated page has. */
  readonly isolated = globalThis.crossOriginIsolated === true;
  readonly options = threadOptions(this.cores);
  /** The count this page's workers start their wasm backend with. */
  readonly applied: number;
  /** The count a person chose; it applies when the page next loads. */
  chosen = $state(1);

  constructor() {
    const stored = parseStoredThreads(localStorage.getItem(STORAGE_KEY), this.cores);
    this.applied = this.isolated ? stored : 1;
    this.chosen = stored;
  }

  get label(): string {
    return describeThreads(this.applied, this.isolated);
  }

  /** The choice differs from what the running workers use: a reload applies it. */
  get reloadNeeded(): boolean {
    return this.isolated && this.chosen !== this.applied;
  }

  /** The name every worker starts with: it carries `applied` to the worker (see `workerName`). */
  get workerName(): string {
    return workerName(this.applied);
  }

  choose(threads: number): void {
    this.chosen = clampThreads(threads, this.cores);
    localStorage.setItem(STORAGE_KEY, String(this.chosen));
  }
}

export const wasmThreads = new WasmThreadsState();
