import { expose } from 'comlink';
import type { ClickReport } from '../lib/clicks/report.ts';
import type { ClickMapping, DocumentMapping } from '../lib/clicks/columns.ts';
import { clickDatasetRecord } from '../lib/clicks/dataset.ts';
import { pairsCsv } from '../lib/data/pairs-csv.ts';
import type { DocumentTableReport } from '../lib/clicks/documents.ts';
import type { ClickRules } from '../lib/clicks/rules.ts';
import { ClickWorkbench, type LogSummary } from '../lib/clicks/workbench.ts';
import { DatasetError } from '../lib/data/errors.ts';
import { sniffDataset, type DatasetPreview } from '../lib/data/sniff.ts';
import { saveDataset } from '../lib/store/datasets.ts';
import { openAttuneDb, type Db } from '../lib/store/db.ts';
import type { DatasetRecord } from '../lib/store/schema.ts';

export type { DocumentTableReport, LogSummary };

/** A result, or a sentence a person can act on (comlink keeps no fields of a thrown error). */
export type ClickOutcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** What the mapping step reads of a file. */
const SNIFF_BYTES = 64 * 1024;

const workbench = new ClickWorkbench();
let db: Promise<Db> | null = null;
const database = () => (db ??= openAttuneDb());

/** A refusal of the file as a message; anything else is a bug and stays thrown. */
async function attempt<T>(work: () => T | Promise<T>): Promise<ClickOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    if (e instanceof DatasetError) return { ok: false, message: `${e.message}.` };
    throw e;
  }
}

const bytesOf = async (file: Blob) => new Uint8Array(await file.arrayBuffer());

const api = {
  /** The start of a file, for the mapping step. */
  sniff(file: File): Promise<ClickOutcome<DatasetPreview>> {
    return attempt(async () =>
      sniffDataset(await bytesOf(file.slice(0, SNIFF_BYTES)), {
        fileName: file.name,
        wholeFile: file.size <= SNIFF_BYTES,
      }),
    );
  },

  async loadLog(file: File, mapping: ClickMapping): Promise<ClickOutcome<LogSummary>> {
    const bytes = await bytesOf(file);
    return attempt(() => workbench.loadLog(bytes, { fileName: file.name, mapping }));
  },

  async loadDocuments(
    file: File,
    mapping: DocumentMapping,
  ): Promise<ClickOutcome<DocumentTableReport>> {
    const bytes = await bytesOf(file);
    return attempt(() => workbench.loadDocuments(bytes, { fileName: file.name, mapping }));
  },

  clearDocuments(): void {
    workbench.clearDocuments();
  },

  /** The report under `rules` (the pairs stay here: the page shows counts only). */
  analyse(rules: ClickRules): ClickReport | null {
    return workbench.build(rules)?.report ?? null;
  },

  /** The weighted pairs as CSV for the command line's `train --weight-column weight`. */
  pairsCsv(rules: ClickRules): string {
    return pairsCsv(workbench.build(rules)?.pairs ?? [], { weight: true });
  },

  /** Saves the pairs under `rules` as a new dataset, eval queries held out as for any import. */
  async createDataset(rules: ClickRules, name: string): Promise<ClickOutcome<DatasetRecord>> {
    const built = workbench.build(rules);
    const log = workbench.report;
    if (!built || !log || !workbench.source) {
      return { ok: false, message: 'Load a click log first.' };
    }
    if (built.pairs.length === 0) {
      return {
        ok: false,
        message: 'The rules leave no pair to train on; loosen them (see what each one drops).',
      };
    }
    const record = clickDatasetRecord({
      id: crypto.randomUUID(),
      name,
      created: Date.now(),
      source: workbench.source,
      log,
      pairs: built.pairs,
    });
    return { ok: true, value: await saveDataset(await database(), record, built.pairs) };
  },
};

export type ClicksWorkerApi = typeof api;
expose(api);
