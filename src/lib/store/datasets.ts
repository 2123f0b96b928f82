import type { TrainingPair } from '../data/pairs.ts';
import type { Db } from './db.ts';
import type { DatasetRecord } from './schema.ts';

/** Pairs per stored chunk: small enough to write quickly, big enough that 1M rows is 1,000 values. */
export const CHUNK_PAIRS = 1000;

/** Ready datasets, newest first. */
export async function listDatasets(db: Db): Promise<DatasetRecord[]> {
  const all = await db.getAllFromIndex('datasets', 'created');
  return all.filter((d) => d.status === 'ready').reverse();
}

export async function getDataset(db: Db, id: string): Promise<DatasetRecord | undefined> {
  const d = await db.get('datasets', id);
  return d?.status === 'ready' ? d : undefined;
}

/** Every pair of a dataset, in import order. */
export async function readPairs(db: Db, id: string): Promise<TrainingPair[]> {
  const range = IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
  const chunks = await db.getAll('datasetChunks', range);
  return chunks.flatMap((c) => c.pairs);
}

/**
 * An import in progress. Chunks are written as pairs arrive, under a record marked 'importing';
 * `commit` flips it to 'ready' in one transaction, `abort` deletes everything it wrote. Existing
 * datasets are never touched.
 */
export class DatasetImport {
  private buffer: TrainingPair[] = [];
  private chunkCount = 0;

  private constructor(
    private readonly db: Db,
    readonly record: DatasetRecord,
  ) {}

  static async begin(
    db: Db,
    record: Omit<DatasetRecord, 'status' | 'chunkCount'>,
  ): Promise<DatasetImport> {
    const full: DatasetRecord = { ...record, status: 'importing', chunkCount: 0 };
    await db.put('datasets', full);
    return new DatasetImport(db, full);
  }

  async add(pairs: TrainingPair[]): Promise<void> {
    for (const p of pairs) this.buffer.push(p);
    while (this.buffer.length >= CHUNK_PAIRS) await this.flush(this.buffer.splice(0, CHUNK_PAIRS));
  }

  private async flush(pairs: TrainingPair[]): Promise<void> {
    await this.db.put('datasetChunks', {
      datasetId: this.record.id,
      index: this.chunkCount,
      pairs,
    });
    this.chunkCount++;
  }

  async commit(patch: Partial<DatasetRecord> = {}): Promise<DatasetRecord> {
    if (this.buffer.length) await this.flush(this.buffer.splice(0));
    const ready: DatasetRecord = {
      ...this.record,
      ...patch,
      status: 'ready',
      chunkCount: this.chunkCount,
    };
    await this.db.put('datasets', ready);
    return ready;
  }

  async abort(): Promise<void> {
    await deleteDatasetData(this.db, this.record.id);
  }
}

async function deleteDatasetData(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['datasets', 'datasetChunks'], 'readwrite');
  await Promise.all([
    tx
      .objectStore('datasetChunks')
      .delete(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER])),
    tx.objectStore('datasets').delete(id),
    tx.done,
  ]);
}

/** Saves a whole dataset at once (small data: samples, mined versions). */
export async function saveDataset(
  db: Db,
  record: Omit<DatasetRecord, 'status' | 'chunkCount'>,
  pairs: TrainingPair[],
): Promise<DatasetRecord> {
  const job = await DatasetImport.begin(db, record);
  try {
    await job.add(pairs);
    return await job.commit();
  } catch (e) {
    await job.abort().catch(() => undefined);
    throw e;
  }
}

export async function renameDataset(db: Db, id: string, name: string): Promise<void> {
  const tx = db.transaction('datasets', 'readwrite');
  const d = await tx.store.get(id);
  if (d) await tx.store.put({ ...d, name });
  await tx.done;
}

export async function deleteDataset(db: Db, id: string): Promise<void> {
  await deleteDatasetData(db, id);
}

/** Removes what crashed or abandoned imports left behind; run once at start-up. */
export async function sweepUnfinishedImports(db: Db): Promise<number> {
  const all = await db.getAll('datasets');
  const stale = all.filter((d) => d.status === 'importing');
  for (const d of stale) await deleteDatasetData(db, d.id);
  return stale.length;
}
