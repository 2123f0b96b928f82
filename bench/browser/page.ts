import { wrap } from 'comlink';
import type { BenchWorkerApi } from './bench.worker.ts';

/** The bench worker, reachable from Playwright's `page.evaluate` as `globalThis.bench`. */
const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
Object.assign(globalThis, { bench: wrap<BenchWorkerApi>(worker) });
