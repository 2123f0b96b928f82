import { proxy, type Remote } from 'comlink';
import type { ColumnMapping } from '../data/columns.ts';
import type { DatasetPreview } from '../data/sniff.ts';
import { openAttuneDb, type Db } from '../store/db.ts';
import { environment } from './environment.svelte.ts';
import {
  deleteDataset,
  listDatasets,
  renameDataset,
  sweepUnfinishedImports,
} from '../store/datasets.ts';
import type { DatasetRecord } from '../store/schema.ts';
import { spawnImportWorker, type WorkerHandle } from '../../workers/spawn.ts';
import type {
  FolderFile,
  ImportOutcome,
  ImportProgress,
  ImportWorkerApi,
} from '../../workers/import.worker.ts';

/**
 * - `reading`: the start of a chosen file is being sniffed for the mapping step;
 * - `mapping`: the person checks the column roles (`pending`);
 * - `importing` / `cancelling`: the worker streams the file into IndexedDB (`progress`);
 * - `done`: `outcome` says what happened (imported, refused, cancelled).
 */
export type ImportPhase = 'idle' | 'reading' | 'mapping' | 'importing' | 'cancelling' | 'done';

/** A chosen file waiting for its column mapping. */
export interface PendingFile {
  file: File;
  preview: DatasetPreview;
}

export interface ImportStatus extends ImportProgress {
  rowsPerSecond: number;
}

export const SAMPLE = Object.freeze({
  url: `${import.meta.env.BASE_URL}samples/fasteners.csv`,
  fileName: 'fasteners.csv',
  name: 'Fasteners catalogue (sample)',
});

/** "catalogue.v2.csv" → "catalogue.v2". */
export const nameOf = (fileName: string) => fileName.replace(/\.[^.]+$/, '') || fileName;

/**
 * The stored datasets, for every page that picks one, and the Data page's import flow. Owns the
 * import worker, which parses, validates and writes in the background, and answers the preview's
 * stats and searches (see `dataset-preview.svelte.ts`).
 */
class DatasetsState {
  list = $state.raw<DatasetRecord[]>([]);
  /** True once the list has been read: before that, "no datasets" is not yet known. */
  loaded = $state(false);
  phase = $state<ImportPhase>('idle');
  pending = $state.raw<PendingFile | null>(null);
  progress = $state.raw<ImportStatus | null>(null);
  outcome = $state.raw<ImportOutcome | null>(null);
  /** The file or folder being imported, for the progress heading. */
  importing = $state<string | null>(null);

  private db: Promise<Db> | null = null;
  private handle: WorkerHandle<ImportWorkerApi> | null = null;

  /**
   * The database, opened once per page load. The first opening also removes what an import
   * interrupted by a crash or a closed tab left behind (records still marked 'importing').
   */
  database(): Promise<Db> {
    return (this.db ??= openAttuneDb().then(async (db) => {
      await sweepUnfinishedImports(db);
      return db;
    }));
  }

  worker(): WorkerHandle<ImportWorkerApi> {
    return (this.handle ??= spawnImportWorker());
  }

  async refresh(): Promise<void> {
    this.list = await listDatasets(await this.database());
    this.loaded = true;
  }

  get busy(): boolean {
    return this.phase === 'reading' || this.phase === 'importing' || this.phase === 'cancelling';
  }

  /** Reads the start of a CSV/TSV/JSON Lines file and moves on to the mapping step. */
  async choose(file: File): Promise<void> {
    if (this.busy) return;
    this.phase = 'reading';
    this.outcome = null;
    this.pending = null;
    try {
      const sniffed = await this.worker().api.sniff(file);
      if (sniffed.ok) {
        this.pending = { file, preview: sniffed.preview };
        this.phase = 'mapping';
      } else this.finish({ ok: false, refusal: sniffed.refusal, report: null });
    } catch (e) {
      const message = `${file.name} could not be read: ${e instanceof Error ? e.message : String(e)}.`;
      this.finish({ ok: false, refusal: { code: 'failed', message }, report: null });
    }
  }

  /** Imports the pending file with the roles the person chose. */
  async importPending(mapping: ColumnMapping, name: string): Promise<void> {
    const pending = this.pending;
    if (!pending || this.busy) return;
    this.pending = null;
    await this.run(pending.file.name, (api, onProgress) =>
      api.importPairs(pending.file, { name, mapping }, onProgress),
    );
  }

  /** Imports a BEIR folder (corpus.jsonl, queries.jsonl, qrels/*.tsv) as an evaluation set. */
  async importFolder(folder: string, files: FolderFile[]): Promise<void> {
    if (this.busy) return;
    this.pending = null;
    await this.run(`${folder}/`, (api, onProgress) => api.importBeir(folder, files, onProgress));
  }

  /** Imports the shipped sample through the same worker path as a dropped file. */
  async loadSample(): Promise<void> {
    if (this.busy) return;
    this.pending = null;
    this.outcome = null;
    this.phase = 'reading';
    let file: File;
    try {
      const response = await fetch(SAMPLE.url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      file = new File([await response.blob()], SAMPLE.fileName, { type: 'text/csv' });
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      const message = `The sample dataset could not be loaded (${detail}). Nothing was saved.`;
      return this.finish({ ok: false, refusal: { code: 'failed', message }, report: null });
    }
    await this.run(file.name, (api, onProgress) =>
      api.importPairs(file, { name: SAMPLE.name }, onProgress),
    );
  }

  cancel(): void {
    if (this.phase !== 'importing') return;
    this.phase = 'cancelling';
    void this.worker().api.cancel();
  }

  /** Leaves the mapping step or the last outcome. */
  dismiss(): void {
    if (this.busy) return;
    this.pending = null;
    this.outcome = null;
    this.progress = null;
    this.phase = 'idle';
  }

  async rename(id: string, name: string): Promise<void> {
    await renameDataset(await this.database(), id, name);
    await this.refresh();
  }

  async remove(id: string): Promise<void> {
    await deleteDataset(await this.database(), id);
    await this.refresh();
  }

  private async run(
    fileName: string,
    start: (
      api: Remote<ImportWorkerApi>,
      onProgress: (p: ImportProgress) => void,
    ) => Promise<ImportOutcome>,
  ): Promise<void> {
    this.phase = 'importing';
    this.importing = fileName;
    this.outcome = null;
    this.progress = null;
    const onProgress = (p: ImportProgress) => {
      this.progress = { ...p, rowsPerSecond: p.seconds > 0 ? p.rows / p.seconds : 0 };
    };
    let outcome: ImportOutcome;
    try {
      outcome = await start(this.worker().api, proxy(onProgress));
    } catch (e) {
      const message = `The import of ${fileName} failed: ${e instanceof Error ? e.message : String(e)}.`;
      outcome = { ok: false, refusal: { code: 'failed', message }, report: null };
    }
    await this.refresh();
    // The header's storage figure follows what the import used.
    void environment.refreshStorage();
    this.finish(outcome);
  }

  private finish(outcome: ImportOutcome): void {
    this.outcome = outcome;
    this.phase = 'done';
  }
}

export type { FolderFile, ImportOutcome };

export const datasets = new DatasetsState();
