import { describeColumns, mappingProblems, type ColumnMapping } from './columns.ts';
import { CsvReader } from './csv.ts';
import { TextBlockDecoder, type TextBlock } from './encoding.ts';
import { DatasetError } from './errors.ts';
import { detectFormat, type DetectedFormat } from './format.ts';
import { JsonlReader } from './jsonl.ts';
import type { TrainingPair } from './pairs.ts';
import type { DatasetReport } from './report.ts';
import { RowValidator, type ValidationOptions } from './validate.ts';

export interface DatasetParserOptions extends ValidationOptions {
  /** Names the file in messages and picks the format by extension (.csv, .tsv, .jsonl, .ndjson). */
  fileName: string;
  /** Column roles the person chose (see `sniffDataset`); detected from the header when absent. */
  mapping?: ColumnMapping;
}

/** How far a parse has come, for a progress bar (bytes of the file) and a rows/s figure. */
export interface ParseProgress {
  bytes: number;
  rows: number;
  accepted: number;
  rejected: number;
  duplicates: number;
}

interface RecordReader {
  mapping: ColumnMapping | null;
  sawContent: boolean;
  push(block: TextBlock, out: TrainingPair[]): void;
  finish?(out: TrainingPair[]): void;
}

/**
 * Parses and validates a dataset from its bytes, fed in chunks of any size (a worker streaming a
 * File, the CLI reading a file, a test pushing a whole buffer). Each call returns the pairs it
 * accepted; `report()` describes every row so far. A whole-file problem throws a DatasetError that
 * carries the report so far: binary data, an unknown encoding or unusable columns from `push` (or
 * `finish`, for a short file), an empty file or one with no valid row from `finish`. To cancel,
 * stop pushing: the parser holds nothing that needs releasing.
 */
export class DatasetParser {
  private readonly decoder: TextBlockDecoder;
  private readonly validator: RowValidator;
  private reader: RecordReader | null = null;
  private detected: DetectedFormat | null = null;
  /** Blocks of blank lines seen before the first content, kept to count their lines. */
  private leading: TextBlock[] = [];

  constructor(private readonly options: DatasetParserOptions) {
    this.decoder = new TextBlockDecoder(options.fileName);
    this.validator = new RowValidator(options);
  }

  push(chunk: Uint8Array): TrainingPair[] {
    const out: TrainingPair[] = [];
    this.withReport(() => {
      const block = this.decoder.push(chunk);
      if (block) this.read(block, out);
    });
    return out;
  }

  finish(): TrainingPair[] {
    const out: TrainingPair[] = [];
    this.withReport(() => {
      const block = this.decoder.finish();
      if (block) this.read(block, out);
      this.reader?.finish?.(out);
    });
    const file = this.options.fileName;
    if (!this.reader?.sawContent) {
      const encoding = this.decoder.encoding;
      const bomBytes = !encoding?.bom ? 0 : encoding.name === 'utf-8' ? 3 : 2;
      const detail =
        this.decoder.bytes > bomBytes ? 'the file holds only blank lines' : 'the file is empty';
      throw new DatasetError('empty', file, detail, this.report(detail));
    }
    if (this.validator.accepted === 0) {
      const { rows } = this.validator;
      const first = this.validator.rejected[0];
      const example = first ? ` (the first, line ${first.line}: ${first.reason})` : '';
      const detail =
        rows === 0
          ? 'the file has a header but no data rows'
          : `no valid row: all ${rows.toLocaleString('en-US')} rows were rejected${example}`;
      throw new DatasetError('no-valid-row', file, detail, this.report(detail));
    }
    return out;
  }

  /** The column mapping in use, once the header (or first JSON object) has been read. */
  get mapping(): ColumnMapping | null {
    return this.reader?.mapping ?? null;
  }

  get progress(): ParseProgress {
    const v = this.validator;
    return {
      bytes: this.decoder.bytes,
      rows: v.rows,
      accepted: v.accepted,
      rejected: v.rejectedCount,
      duplicates: v.duplicates,
    };
  }

  report(refused: string | null = null): DatasetReport {
    const v = this.validator;
    const mapping = this.mapping;
    return {
      file: this.options.fileName,
      format: this.detected?.format ?? null,
      delimiter: this.detected?.delimiter ?? null,
      encoding: this.decoder.encoding?.name ?? null,
      bom: this.decoder.encoding?.bom ?? false,
      rows: v.rows,
      accepted: v.accepted,
      duplicates: v.duplicates,
      rejected: v.rejected.slice(),
      warnings: v.warnings.slice(),
      omitted: { ...v.omitted },
      columns: mapping && mappingProblems(mapping).length === 0 ? describeColumns(mapping) : null,
      refused,
    };
  }

  /** Attaches the report so far to a refusal raised while reading. */
  private withReport(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (!(e instanceof DatasetError) || e.report) throw e;
      throw new DatasetError(e.code, e.file, e.detail, this.report(e.detail));
    }
  }

  private read(block: TextBlock, out: TrainingPair[]): void {
    if (!this.reader) {
      const firstLine = /[^\s][^\n]*/.exec(block.text)?.[0];
      if (firstLine === undefined) {
        this.leading.push(block);
        return;
      }
      this.reader = this.createReader(firstLine);
      for (const blank of this.leading) this.reader.push(blank, out);
      this.leading = [];
    }
    this.reader.push(block, out);
  }

  private createReader(firstLine: string): RecordReader {
    const { fileName, mapping } = this.options;
    this.detected = detectFormat(fileName, firstLine);
    return this.detected.delimiter === null
      ? new JsonlReader(fileName, mapping, this.validator)
      : new CsvReader(fileName, this.detected.delimiter, mapping, this.validator);
  }
}

/** Chunk size for whole buffers, so that no single parse step holds more than this much text. */
const CHUNK_BYTES = 1 << 20;

export interface ParsedDataset {
  pairs: TrainingPair[];
  report: DatasetReport;
}

/** Parses a whole file held in memory (Node, tests); throws a DatasetError when it is refused. */
export function parseDataset(
  input: Uint8Array | string,
  options: DatasetParserOptions,
): ParsedDataset {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const parser = new DatasetParser(options);
  const pairs: TrainingPair[] = [];
  const keep = (batch: TrainingPair[]) => {
    for (const pair of batch) pairs.push(pair);
  };
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
    keep(parser.push(bytes.subarray(at, at + CHUNK_BYTES)));
  }
  keep(parser.finish());
  return { pairs, report: parser.report() };
}

export interface StreamOptions extends DatasetParserOptions {
  /** Cancels the parse: the stream is cancelled and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after every chunk. */
  onProgress?: (progress: ParseProgress) => void;
  /** Receives accepted pairs as they come; awaited, so a slow consumer slows the reading. */
  onPairs?: (pairs: TrainingPair[]) => void | Promise<void>;
}

async function* chunksOf(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!('getReader' in source)) return yield* source;
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Reached on an early exit too (an abort, a refusal): stop the underlying read.
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Parses a stream (a File's `stream()` in a worker, a Node read stream in the CLI) and resolves
 * with the report; pairs go to `onPairs`. Rejects with a DatasetError when the file is refused.
 */
export async function parseDatasetStream(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: StreamOptions,
): Promise<DatasetReport> {
  const { signal, onProgress, onPairs } = options;
  const parser = new DatasetParser(options);
  const emit = async (pairs: TrainingPair[]) => {
    if (pairs.length && onPairs) await onPairs(pairs);
    onProgress?.(parser.progress);
    signal?.throwIfAborted();
  };
  signal?.throwIfAborted();
  for await (const chunk of chunksOf(source)) await emit(parser.push(chunk));
  await emit(parser.finish());
  return parser.report();
}
