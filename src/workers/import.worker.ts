import { expose, transfer } from 'comlink';
import { DatasetError } from '../lib/data/errors.ts';
import { sniffDataset, type DatasetPreview } from '../lib/data/sniff.ts';
import { pairColumns, pairMatcher, PairStats, type ColumnStats } from '../lib/data/stats.ts';
import { openAttuneDb, type Db } from '../lib/store/db.ts';
import { getDataset, readChunk } from '../lib/store/datasets.ts';
import { importBeir, type FolderFile } from '../lib/store/import-beir.ts';
import {
  importPairs,
  type ImportOutcome,
  type ImportProgress,
  type ImportRefusal,
  type PairsImportRequest,
} from '../lib/store/imports.ts';

export type { FolderFile, ImportOutcome, ImportProgress, ImportRefusal, PairsImportRequest };

export type SniffOutcome =
  { ok: true; preview: DatasetPreview } | { ok: false; refusal: ImportRefusal };

/** What the mapping step reads of a file: enough for 20 rows of ordinary pairs. */
const SNIFF_BYTES = 64 * 1024;
/** Progress reaches the page at most this often, so a fast parse never floods its main thread. */
const PROGRESS_MS = 100;

let db: Promise<Db> | null = null;
const database = () => (db ??= openAttuneDb());

let running: AbortController | null = null;
/** Bumped by every search, so that a search still scanning when the next starts gives up. */
let searchToken = 0;

async function sniff(file: File): Promise<SniffOutcome> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  try {
    const preview = sniffDataset(head, {
      fileName: file.name,
      wholeFile: file.size <= SNIFF_BYTES,
    });
    return { ok: true, preview };
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    return { ok: false, refusal: { code: e.code, message: e.message } };
  }
}

/** Runs one import at a time with a fresh AbortController and throttled progress. */
async function exclusive(
  onProgress: (p: ImportProgress) => void,
  work: (hooks: {
    signal: AbortSignal;
    onProgress: (p: ImportProgress) => void;
  }) => Promise<ImportOutcome>,
): Promise<ImportOutcome> {
  if (running) throw new Error('an import is already running');
  running = new AbortController();
  let last = 0;
  const throttled = (p: ImportProgress) => {
    const now = performance.now();
    if (now - last < PROGRESS_MS && p.bytes < p.totalBytes) return;
    last = now;
    onProgress(p);
  };
  try {
    return await work({ signal: running.signal, onProgress: throttled });
  } finally {
    running = null;
  }
}

const api = {
  sniff,

  async importPairs(
    file: File,
    request: PairsImportRequest,
    onProgress: (p: ImportProgress) => void,
  ): Promise<ImportOutcome> {
    const store = await database();
    return exclusive(onProgress, (hooks) => importPairs(store, file, request, hooks));
  },

  async importBeir(
    folder: string,
    files: FolderFile[],
    onProgress: (p: ImportProgress) => void,
  ): Promise<ImportOutcome> {
    const store = await database();
    return exclusive(onProgress, (hooks) => importBeir(store, folder, files, hooks));
  },

  cancel(): void {
    running?.abort();
  },

  /** Count, empty cells and mean length per preview column, over every stored pair. */
  async stats(datasetId: string): Promise<ColumnStats[]> {
    const store = await database();
    const dataset = await getDataset(store, datasetId);
    if (!dataset) return [];
    const stats = new PairStats(pairColumns(dataset.columns));
    for (let i = 0; i < dataset.chunkCount; i++) stats.add(await readChunk(store, datasetId, i));
    return stats.result();
  },

  /**
   * Indices of the pairs whose query, positive or negatives contain `text` (case-insensitive);
   * null when a newer search started before this one finished.
   */
  async search(datasetId: string, text: string): Promise<Uint32Array | null> {
    const token = ++searchToken;
    const store = await database();
    const dataset = await getDataset(store, datasetId);
    if (!dataset) return new Uint32Array(0);
    const matches = pairMatcher(text);
    const found: number[] = [];
    let row = 0;
    for (let i = 0; i < dataset.chunkCount; i++) {
      const pairs = await readChunk(store, datasetId, i);
      if (token !== searchToken) return null;
      for (const pair of pairs) {
        if (matches(pair)) found.push(row);
        row++;
      }
    }
    const indices = Uint32Array.from(found);
    return transfer(indices, [indices.buffer]);
  },
};

export type ImportWorkerApi = typeof api;
expose(api);
