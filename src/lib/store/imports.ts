import type { ReportColumns, ColumnMapping } from '../data/columns.ts';
import { DatasetError, type DatasetErrorCode } from '../data/errors.ts';
import { parseDatasetStream, type ParseProgress } from '../data/parser.ts';
import type { DatasetReport } from '../data/report.ts';
import { Sha256 } from '../data/sha256.ts';
import { chooseEvalQueries, SPLIT_DEFAULTS, type SplitOptions } from '../data/split.ts';
import { formatBytes } from '../util/format.ts';
import { datasetRecord } from './dataset-record.ts';
import { DatasetImport } from './datasets.ts';
import type { Db } from './db.ts';
import type { DatasetRecord } from './schema.ts';

/**
 * Why an import saved nothing: the parser's refusal codes (the file itself), `quota` (the browser
 * ran out of storage), `cancelled`, `beir` (a BEIR folder that is incomplete or malformed) or
 * `failed` (anything else, such as a file that changed on disk while it was read).
 */
export type ImportRefusalCode = DatasetErrorCode | 'quota' | 'cancelled' | 'beir' | 'failed';

export interface ImportRefusal {
  code: ImportRefusalCode;
  /** A sentence a person can act on; it always says that nothing was saved. */
  message: string;
}

/** Counts of an imported BEIR folder, for the import summary. */
export interface BeirImportSummary {
  split: string;
  documents: number;
  queries: number;
  judgements: number;
  /** Relevant document ids that the corpus lacks. */
  missingDocuments: number;
}

/** An import's result as a plain value: comlink keeps no custom fields of a thrown error. */
export type ImportOutcome =
  | { ok: true; dataset: DatasetRecord; report: DatasetReport | null; beir?: BeirImportSummary }
  | { ok: false; refusal: ImportRefusal; report: DatasetReport | null };

export interface ImportProgress extends ParseProgress {
  totalBytes: number;
  /** Since the import started. */
  seconds: number;
}

/** What an import reads: a File, or anything shaped like one. */
export interface ImportSource {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

export interface PairsImportRequest {
  name: string;
  /** Column roles from the mapping step; detected from the header when absent. */
  mapping?: ColumnMapping;
  /** Train/eval split by query; `SPLIT_DEFAULTS` for what is not given. */
  split?: Partial<SplitOptions>;
  maxChars?: number;
}

export interface ImportHooks {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

/**
 * Blob streams come in pieces of about 64 KB; the parser's per-call work (decoding, a Papa Parse
 * run, a progress event) is cheaper over fewer, larger pieces.
 */
const READ_BYTES = 1 << 20;

/** The stream's bytes in pieces of about READ_BYTES, each also fed to `hash`. */
async function* hashedPieces(
  stream: ReadableStream<Uint8Array>,
  hash: Sha256,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let parts: Uint8Array[] = [];
  let held = 0;
  const take = () => {
    const piece = parts.length === 1 ? parts[0] : new Uint8Array(held);
    if (parts.length > 1) {
      let at = 0;
      for (const p of parts) {
        piece.set(p, at);
        at += p.length;
      }
    }
    parts = [];
    held = 0;
    hash.update(piece);
    return piece;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      held += value.length;
      if (held >= READ_BYTES) yield take();
    }
    if (held > 0) yield take();
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const recordColumns = (c: ReportColumns | null): DatasetRecord['columns'] => ({
  query: c?.query ?? 'query',
  positive: c?.positive ?? 'positive',
  negatives: c?.negatives ?? [],
  ...(c?.score ? { score: c.score } : {}),
  ...(c?.grade ? { grade: c.grade } : {}),
});

const isQuotaError = (e: unknown) => e instanceof DOMException && e.name === 'QuotaExceededError';

/** How much space the browser says is left, as far as it says. */
async function freeSpace(): Promise<string> {
  const estimate = await navigator.storage?.estimate().catch(() => null);
  if (!estimate?.quota) return 'The browser did not say how much space is left.';
  const free = Math.max(0, estimate.quota - (estimate.usage ?? 0));
  return `The browser reports ${formatBytes(free)} free of the ${formatBytes(estimate.quota)} it allows this site.`;
}

export const NOTHING_SAVED = 'Nothing was saved, and your other datasets are unchanged.';

/** The refusal for what stopped an import, once everything it wrote has been removed. */
export async function refusalOf(
  e: unknown,
  file: string,
  signal?: AbortSignal,
): Promise<ImportOutcome> {
  if (signal?.aborted) {
    return {
      ok: false,
      refusal: { code: 'cancelled', message: `Import of ${file} cancelled. ${NOTHING_SAVED}` },
      report: null,
    };
  }
  if (e instanceof DatasetError) {
    return {
      ok: false,
      refusal: { code: e.code, message: `${e.message}. ${NOTHING_SAVED}` },
      report: e.report ?? null,
    };
  }
  if (isQuotaError(e)) {
    const message = `Not enough storage space to import ${file}: the browser refused to store more. ${await freeSpace()} ${NOTHING_SAVED} Delete datasets or models you no longer need, then try again.`;
    return { ok: false, refusal: { code: 'quota', message }, report: null };
  }
  const detail = e instanceof Error ? e.message : String(e);
  return {
    ok: false,
    refusal: {
      code: 'failed',
      message: `The import of ${file} failed: ${detail}. ${NOTHING_SAVED}`,
    },
    report: null,
  };
}

/**
 * Streams a CSV/TSV/JSON Lines file through the parser into a new dataset: chunks are written
 * as pairs arrive, the source's SHA-256 is taken on the way, and the eval queries are chosen
 * (seeded, by query) at the end. Atomic: a refusal, a cancel or a full disk removes everything
 * the import wrote, and existing datasets are never touched.
 */
export async function importPairs(
  db: Db,
  source: ImportSource,
  request: PairsImportRequest,
  hooks: ImportHooks = {},
): Promise<ImportOutcome> {
  const { signal, onProgress } = hooks;
  const started = performance.now();
  const hash = new Sha256();
  const queries = new Set<string>();
  let job: DatasetImport | null = null;
  try {
    job = await DatasetImport.begin(
      db,
      datasetRecord({
        id: crypto.randomUUID(),
        name: request.name,
        source: { fileName: source.name, size: source.size, sha256: '' },
        created: Date.now(),
        columns: recordColumns(null),
        counts: { pairs: 0 },
      }),
    );
    const writer = job;
    const report = await parseDatasetStream(hashedPieces(source.stream(), hash), {
      fileName: source.name,
      mapping: request.mapping,
      maxChars: request.maxChars,
      signal,
      onProgress: (p) =>
        onProgress?.({
          ...p,
          totalBytes: source.size,
          seconds: (performance.now() - started) / 1000,
        }),
      onPairs: async (pairs) => {
        for (const p of pairs) queries.add(p.query);
        await writer.add(pairs);
      },
    });
    const evalQueries = [...chooseEvalQueries(queries, request.split)];
    const dataset = await job.commit({
      source: { fileName: source.name, size: source.size, sha256: hash.hex() },
      columns: recordColumns(report.columns),
      counts: {
        pairs: report.accepted,
        rejected: report.rejected.length + report.omitted.rejected,
        warnings: report.warnings.length + report.omitted.warnings,
        duplicates: report.duplicates,
      },
      evalQueries,
      splitSeed: { ...SPLIT_DEFAULTS, ...request.split }.seed,
    });
    return { ok: true, dataset, report };
  } catch (e) {
    await job?.abort().catch(() => undefined);
    return refusalOf(e, source.name, signal);
  }
}
