import { openAttuneDb } from '../../../src/lib/store/db.ts';
import { saveDataset } from '../../../src/lib/store/datasets.ts';
import { putRun, saveCheckpoint } from '../../../src/lib/store/runs.ts';

/**
 * The studio's own IndexedDB repositories, reachable from `page.evaluate`, so that an end-to-end
 * test can seed datasets, runs and checkpoints exactly as the studio writes them.
 */
export const store = { openAttuneDb, saveDataset, putRun, saveCheckpoint };
export type HarnessStore = typeof store;

Object.assign(globalThis, { store });
