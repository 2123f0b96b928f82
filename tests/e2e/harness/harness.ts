import { spawnEncoderWorker } from '../../../src/workers/spawn.ts';
import './imports.ts';
import './store.ts';
import './transformers.ts';

/** The real encoder worker, reachable from `page.evaluate` (built only for the end-to-end tests). */
const encoder = spawnEncoderWorker();
Object.assign(globalThis, { encoder: encoder.api });
