import type { Db } from './db.ts';
import type { CheckpointRecord, RunRecord } from './schema.ts';

/** Runs, newest first. */
export async function listRuns(db: Db): Promise<RunRecord[]> {
  return (await db.getAllFromIndex('runs', 'created')).reverse();
}

export function getRun(db: Db, id: string): Promise<RunRecord | undefined> {
  return db.get('runs', id);
}

export async function putRun(db: Db, run: RunRecord): Promise<void> {
  await db.put('runs', run);
}

/** Applies `patch` to the stored run in one transaction (read-modify-write). */
export async function updateRun(
  db: Db,
  id: string,
  patch: (run: RunRecord) => RunRecord,
): Promise<RunRecord> {
  const tx = db.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (!run) throw new Error(`run ${id} does not exist`);
  const next = { ...patch(run), updated: Date.now() };
  await tx.store.put(next);
  await tx.done;
  return next;
}

/**
 * Stores a checkpoint and the run's progress together, in one transaction: after a crash the run
 * record never claims a step whose checkpoint is missing, nor the reverse.
 */
export async function saveCheckpoint(
  db: Db,
  checkpoint: CheckpointRecord,
  run: RunRecord,
): Promise<void> {
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  try {
    await Promise.all([
      tx.objectStore('checkpoints').put(checkpoint),
      tx.objectStore('runs').put(run),
      tx.done,
    ]);
  } catch (e) {
    // An aborted transaction fails its requests with AbortError; why it aborted (the quota,
    // above all) is the transaction's own error.
    throw tx.error ?? e;
  }
}

export function getCheckpoint(db: Db, runId: string): Promise<CheckpointRecord | undefined> {
  return db.get('checkpoints', runId);
}

export async function deleteRun(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  await Promise.all([
    tx.objectStore('runs').delete(id),
    tx.objectStore('checkpoints').delete(id),
    tx.done,
  ]);
}
