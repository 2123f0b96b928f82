import {
  detectClickColumns,
  detectDocumentColumns,
  type ClickMapping,
  type DocumentMapping,
} from '../clicks/columns.ts';
import type { ClickReport } from '../clicks/report.ts';
import { CLICK_RULE_DEFAULTS, type ClickRules } from '../clicks/rules.ts';
import type { DatasetPreview } from '../data/sniff.ts';
import type { DatasetRecord } from '../store/schema.ts';
import { spawnClicksWorker, type WorkerHandle } from '../../workers/spawn.ts';
import type {
  ClickOutcome,
  ClicksWorkerApi,
  DocumentTableReport,
  LogSummary,
} from '../../workers/clicks.worker.ts';
import { datasets } from './datasets.svelte.ts';

/** Rules settle this long after the last change before the counts are recomputed. */
const ANALYSE_DELAY_MS = 150;

/**
 * - `reading`: the start of a chosen file is being read for the mapping step;
 * - `mapping`: the person checks the column roles (`pending`);
 * - `loading`: the worker reads the whole file;
 * - `loaded`: the file is in the worker.
 */
export type FilePhase = 'empty' | 'reading' | 'mapping' | 'loading' | 'loaded';

/** A chosen file, waiting for its column mapping. */
export interface PendingClickFile<M> {
  file: File;
  preview: DatasetPreview;
  detected: M;
}

/** One file slot of the page (the log, or the document table). */
class FileSlot<M, R> {
  phase = $state<FilePhase>('empty');
  pending = $state.raw<PendingClickFile<M> | null>(null);
  loaded = $state.raw<R | null>(null);
  fileName = $state<string | null>(null);
  error = $state<string | null>(null);

  constructor(private readonly detect: (header: string[]) => M) {}

  get busy(): boolean {
    return this.phase === 'reading' || this.phase === 'loading';
  }

  async choose(file: File, sniff: (file: File) => Promise<ClickOutcome<DatasetPreview>>) {
    if (this.busy) return;
    this.error = null;
    this.phase = 'reading';
    const sniffed = await sniff(file);
    if (!sniffed.ok) return this.fail(sniffed.message);
    const preview = sniffed.value;
    this.pending = { file, preview, detected: this.detect(preview.mapping.header) };
    this.phase = 'mapping';
  }

  async load(mapping: M, read: (file: File, mapping: M) => Promise<ClickOutcome<R>>) {
    const pending = this.pending;
    if (!pending || this.busy) return false;
    this.phase = 'loading';
    const outcome = await read(pending.file, mapping);
    if (!outcome.ok) {
      this.phase = 'mapping';
      this.error = outcome.message;
      return false;
    }
    this.pending = null;
    this.loaded = outcome.value;
    this.fileName = pending.file.name;
    this.phase = 'loaded';
    return true;
  }

  cancel(): void {
    if (this.busy) return;
    this.pending = null;
    this.error = null;
    this.phase = this.loaded ? 'loaded' : 'empty';
  }

  clear(): void {
    this.loaded = null;
    this.fileName = null;
    this.phase = 'empty';
  }

  private fail(message: string): void {
    this.error = message;
    this.pending = null;
    this.phase = this.loaded ? 'loaded' : 'empty';
  }
}

const copyRules = (r: ClickRules): ClickRules => ({
  dwell: { ...r.dwell },
  reformulation: { ...r.reformulation },
  lastClick: { ...r.lastClick },
  propensity: { ...r.propensity },
  negatives: { ...r.negatives },
});

/**
 * The Clicks page: owns the clicks worker, which holds the parsed log and document table and
 * rebuilds the pairs whenever a rule changes (debounced; the latest request wins), and saves
 * them as a dataset that the Train page uses like any other.
 */
class ClicksState {
  readonly log = new FileSlot<ClickMapping, LogSummary>(detectClickColumns);
  readonly documents = new FileSlot<DocumentMapping, DocumentTableReport>(detectDocumentColumns);
  rules = $state.raw<ClickRules>(copyRules(CLICK_RULE_DEFAULTS));
  report = $state.raw<ClickReport | null>(null);
  /** True from a rule change until its counts arrive. */
  analysing = $state(false);
  analysisError = $state<string | null>(null);
  creating = $state(false);
  created = $state.raw<DatasetRecord | null>(null);
  createError = $state<string | null>(null);

  private handle: WorkerHandle<ClicksWorkerApi> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private request = 0;

  private get api() {
    return (this.handle ??= spawnClicksWorker()).api;
  }

  chooseLog(file: File): Promise<void> {
    return this.log.choose(file, (f) => this.api.sniff(f));
  }

  async loadLog(mapping: ClickMapping): Promise<void> {
    this.created = null;
    if (await this.log.load(mapping, (f, m) => this.api.loadLog(f, m))) this.analyseNow();
  }

  chooseDocuments(file: File): Promise<void> {
    return this.documents.choose(file, (f) => this.api.sniff(f));
  }

  async loadDocuments(mapping: DocumentMapping): Promise<void> {
    if (await this.documents.load(mapping, (f, m) => this.api.loadDocuments(f, m))) {
      this.analyseNow();
    }
  }

  async clearDocuments(): Promise<void> {
    await this.api.clearDocuments();
    this.documents.clear();
    this.analyseNow();
  }

  /** Sets the rules; the counts follow once they settle. */
  setRules(rules: ClickRules): void {
    this.rules = copyRules(rules);
    this.created = null;
    if (!this.log.loaded) return;
    this.analysing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.analyseNow(), ANALYSE_DELAY_MS);
  }

  resetRules(): void {
    this.setRules(CLICK_RULE_DEFAULTS);
  }

  private async analyseNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const id = ++this.request;
    this.analysing = true;
    try {
      const report = await this.api.analyse(this.rules);
      if (id !== this.request) return;
      this.report = report;
      this.analysisError = null;
    } catch (e) {
      if (id !== this.request) return;
      this.analysisError = `The rules could not be applied: ${e instanceof Error ? e.message : String(e)}.`;
    }
    this.analysing = false;
  }

  /** The pairs as CSV with a weight column, for the command line. */
  pairsCsv(): Promise<string> {
    return this.api.pairsCsv(this.rules);
  }

  async createDataset(name: string): Promise<void> {
    if (this.creating || !this.log.loaded) return;
    this.creating = true;
    this.createError = null;
    this.created = null;
    try {
      const outcome = await this.api.createDataset(this.rules, name);
      if (outcome.ok) {
        this.created = outcome.value;
        await datasets.refresh();
      } else this.createError = outcome.message;
    } catch (e) {
      this.createError = `The dataset could not be saved: ${e instanceof Error ? e.message : String(e)}.`;
    } finally {
      this.creating = false;
    }
  }
}

export const clicks = new ClicksState();
