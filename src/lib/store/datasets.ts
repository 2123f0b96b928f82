import type { TrainingPair } from '../data/pairs.ts';
import type { Db } from './db.ts';
import type { DatasetChunk, DatasetRecord } from './schema.ts';

/**
 * Pairs per stored chunk: small enough to write quickly, big enough that 1M rows is 1,000 values.
 * Every chunk but the last holds exactly this many, so pair `i` is in chunk `⌊i / CHUNK_PAIRS⌋`.
 */
export const CHUNK_PAIRS = 1000;

/** Chunks per write transaction: fewer commits, while a transaction stays a few MB at most. */
const CHUNKS_PER_WRITE = 8;

const chunkRange = (id: string) => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);

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
  const chunks = await db.getAll('datasetChunks', chunkRange(id));
  return chunks.flatMap((c) => c.pairs);
}

/** The pairs of one chunk (see CHUNK_PAIRS), or an empty list past the end. */
export async function readChunk(db: Db, id: string, index: number): Promise<TrainingPair[]> {
  return (await db.get('datasetChunks', [id, index]))?.pairs ?? [];
}

/** The Web Lock an import holds while it runs, so that another tab's sweep leaves it alone. */
const importLock = (id: string) => `attune-import:${id}`;

/** Holds the lock `name` until the returned function is called (no-op where Web Locks are missing). */
function holdLock(name: string): Promise<() => void> {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve(() => undefined);
  return new Promise((granted) => {
    void locks.request(name, () => new Promise<void>((release) => granted(release)));
  });
}

async function heldLocks(): Promise<Set<string>> {
  const state = await globalThis.navigator?.locks?.query();
  return new Set((state?.held ?? []).map((l) => l.name ?? ''));
}

/**
 * An import in progress. Chunks are written as pairs arrive, under a record marked 'importing';
 * `commit` flips it to 'ready', `abort` deletes everything it wrote. Existing datasets are never
 * touched. One write is kept in flight while the caller produces the next pairs, so parsing and
 * IndexedDB's commit overlap; a failed write (QuotaExceededError, say) surfaces from the next
 * `add` or from `commit`, as the transaction's own error.
 */
export class DatasetImport {
  private buffer: TrainingPair[] = [];
  /** Pairs at the start of `buffer` already handed to a write. */
  private taken = 0;
  private chunkCount = 0;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Db,
    readonly record: DatasetRecord,
    private readonly release: () => void,
  ) {}

  static async begin(
    db: Db,
    record: Omit<DatasetRecord, 'status' | 'chunkCount'>,
  ): Promise<DatasetImport> {
    const full: DatasetRecord = { ...record, status: 'importing', chunkCount: 0 };
    const release = await holdLock(importLock(full.id));
    try {
      await db.put('datasets', full);
    } catch (e) {
      release();
      throw e;
    }
    return new DatasetImport(db, full, release);
  }

  async add(pairs: TrainingPair[]): Promise<void> {
    for (const p of pairs) this.buffer.push(p);
    while (this.buffer.length - this.taken >= CHUNK_PAIRS * CHUNKS_PER_WRITE) {
      await this.write(false);
    }
  }

  /**
   * Starts writing up to CHUNKS_PER_WRITE full chunks from the buffer (`last`: the final, partial
   * chunk too) once the previous write has committed.
   */
  private async write(last: boolean): Promise<void> {
    await this.writing;
    const chunks: DatasetChunk[] = [];
    const left = () => this.buffer.length - this.taken;
    while (chunks.length < CHUNKS_PER_WRITE && (left() >= CHUNK_PAIRS || (last && left() > 0))) {
      const pairs = this.buffer.slice(this.taken, this.taken + CHUNK_PAIRS);
      chunks.push({ datasetId: this.record.id, index: this.chunkCount++, pairs });
      this.taken += pairs.length;
    }
    // Drop written pairs once they are most of the buffer: each pair is copied O(1) times.
    if (this.taken * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.taken);
      this.taken = 0;
    }
    if (chunks.length === 0) return;
    const tx = this.db.transaction('datasetChunks', 'readwrite');
    // A failed transaction rejects every request too; its own error (tx.done) is the one to report.
    for (const c of chunks) tx.store.put(c).catch(() => undefined);
    this.writing = tx.done;
    this.writing.catch(() => undefined);
  }

  async commit(patch: Partial<DatasetRecord> = {}): Promise<DatasetRecord> {
    while (this.buffer.length > this.taken) await this.write(true);
    await this.writing;
    const ready: DatasetRecord = {
      ...this.record,
      ...patch,
      status: 'ready',
      chunkCount: this.chunkCount,
    };
    await this.db.put('datasets', ready);
    this.release();
    return ready;
  }

  async abort(): Promise<void> {
    try {
      await this.writing.catch(() => undefined);
      await deleteDatasetData(this.db, this.record.id);
    } finally {
      this.release();
    }
  }
}

/** Removes a dataset's record, its chunks and, for a BEIR set, its evaluation set. */
async function deleteDatasetData(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['datasets', 'datasetChunks', 'evalSets'], 'readwrite');
  await Promise.all([
    tx.objectStore('datasetChunks').delete(chunkRange(id)),
    tx.objectStore('evalSets').delete(id),
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

/**
 * Removes what crashed or abandoned imports left behind; run once at start-up. An import that is
 * still running (in another tab) holds its Web Lock and is left alone.
 */
export async function sweepUnfinishedImports(db: Db): Promise<number> {
  const [all, held] = await Promise.all([db.getAll('datasets'), heldLocks()]);
  const stale = all.filter((d) => d.status === 'importing' && !held.has(importLock(d.id)));
  for (const d of stale) await deleteDatasetData(db, d.id);
  return stale.length;
}
