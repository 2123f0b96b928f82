import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';

/**
 * The upgrade steps of Attune's database, in order: MIGRATIONS[n] brings version n to n+1, inside
 * the one `versionchange` transaction, so an upgrade from any older version either finishes
 * every step or leaves the old data untouched. A step sees the database as the previous step
 * left it, never as `schema.ts` describes it today: it is written against untyped records, and
 * it is never edited once released (a later change is a new step).
 */
type UntypedDb = IDBPDatabase<unknown>;
type UpgradeTx = IDBPTransaction<unknown, StoreNames<unknown>[], 'versionchange'>;
export type Migration = (db: UntypedDb, tx: UpgradeTx) => Promise<void>;

/** v0 → v1 (7aa854f and before): every store of the first release. */
async function createStores(db: UntypedDb): Promise<void> {
  const datasets = db.createObjectStore('datasets', { keyPath: 'id' });
  datasets.createIndex('created', 'created');
  const chunks = db.createObjectStore('datasetChunks', { keyPath: ['datasetId', 'index'] });
  chunks.createIndex('datasetId', 'datasetId');
  db.createObjectStore('models', { keyPath: 'id' });
  const runs = db.createObjectStore('runs', { keyPath: 'id' });
  runs.createIndex('created', 'created');
  runs.createIndex('datasetId', 'datasetId');
  db.createObjectStore('checkpoints', { keyPath: 'runId' });
  db.createObjectStore('evalSets', { keyPath: 'datasetId' });
  db.createObjectStore('embeddings', { keyPath: 'key' });
  db.createObjectStore('generations', { keyPath: ['jobId', 'index'] });
}

/**
 * v1 → v2: runs gain the 'interrupted' status and always name a backend. A v1 run still marked
 * 'running' or 'paused' lost its worker (no tab can be training while the database upgrades:
 * every older connection has closed), so it becomes 'interrupted'; a run from before the
 * backend choice asks for 'auto', which is what v1 computed it on.
 */
async function interruptedRuns(_db: UntypedDb, tx: UpgradeTx): Promise<void> {
  let cursor = await tx.objectStore('runs').openCursor();
  while (cursor) {
    const run = cursor.value as Record<string, unknown>;
    const status = run.status === 'running' || run.status === 'paused' ? 'interrupted' : run.status;
    await cursor.update({ ...run, status, backend: run.backend ?? 'auto' });
    cursor = await cursor.continue();
  }
}

export const MIGRATIONS: readonly Migration[] = [createStores, interruptedRuns];

/** Runs every step from `oldVersion` up to `newVersion`, in order. */
export async function migrate(
  db: UntypedDb,
  tx: UpgradeTx,
  oldVersion: number,
  newVersion: number,
): Promise<void> {
  for (let v = oldVersion; v < newVersion; v++) await MIGRATIONS[v](db, tx);
}
