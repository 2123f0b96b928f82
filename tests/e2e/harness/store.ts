import { openAttuneDb } from '../../../src/lib/store/db.ts';
import { saveDataset } from '../../../src/lib/store/datasets.ts';
import { putRun, saveCheckpoint } from '../../../src/lib/store/runs.ts';
import type { DatasetRecord } from '../../../src/lib/store/schema.ts';

/**
 * tests/fixtures/tiny-bert.pairs.csv's `pairs` pairs as the Data page stores them (columns query,
 * positive, negative), as dataset `id` with held-out `evalQueries`.
 */
function fixturePairsDataset(
  id: string,
  pairs: number,
  evalQueries: string[],
  created: number,
): Omit<DatasetRecord, 'status' | 'chunkCount'> {
  return {
    id,
    name: 'tiny pairs',
    version: 1,
    source: { fileName: 'tiny-bert.pairs.csv', size: 0, sha256: '' },
    created,
    columns: { query: 'query', positive: 'positive', negatives: ['negative'] },
    counts: { pairs, rejected: 0, warnings: 0, duplicates: 0 },
    evalQueries,
    kind: 'pairs',
  };
}

/**
 * The studio's own IndexedDB repositories, reachable from `page.evaluate`, so that an end-to-end
 * test can seed datasets, runs and checkpoints exactly as the studio writes them.
 */
export const store = { openAttuneDb, saveDataset, putRun, saveCheckpoint, fixturePairsDataset };
export type HarnessStore = typeof store;

Object.assign(globalThis, { store });
