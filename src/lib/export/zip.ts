import { isArchiverJunk } from '../model/folder-paths.ts';
import { unzipSync, Zip, ZipDeflate, ZipPassThrough } from 'fflate';

/**
 * Receives the archive piece by piece, in order. A chunk may be a view into the bytes of the file
 * being written (stored entries are passed through, not copied): write or copy it before the next
 * call if the file's bytes may change. Returning a promise holds the writer until it settles, so
 * a slow sink (a `FileSystemWritableFileStream`) is never outrun.
 */
export type ZipSink = (chunk: Uint8Array) => void | Promise<void>;

/** Folder files, `[path, bytes]`, one at a time; a path ending in "/" is an empty directory. */
export type ZipSource =
  Iterable<readonly [string, Uint8Array]> | AsyncIterable<readonly [string, Uint8Array]>;

export interface ZipWriteOptions {
  /** A folder inside the archive that holds every entry ("my-model" → "my-model/config.json"). */
  root?: string;
  /** Modification time of every entry; a fixed one gives byte-identical archives. Now by default. */
  mtime?: Date;
  /** Bytes handed to fflate per push, and so the most the writer holds between sink calls (1 MiB). */
  chunkSize?: number;
}

export interface ZipWriteResult {
  /** Bytes given to the sink: the archive's size. */
  bytes: number;
  entries: number;
  /** The most bytes ever queued for the sink at once: what the writer itself held. */
  peakQueued: number;
}

/** A zip that cannot be written (over the 4 GiB a zip without ZIP64 addresses) or read. */
export class ZipError extends Error {
  override name = 'ZipError';
  constructor(
    /** The archive's name ("model.zip") or the entry at fault. */
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

const MIB = 1 << 20;
/** fflate's streaming Zip writes 32-bit sizes and offsets (no ZIP64). */
const ZIP32_LIMIT = 0xffff_ffff;
/** Weights are incompressible floats: store them and skip the deflate pass over hundreds of MB. */
const STORED = /\.(safetensors|bin|onnx|zip|gz)$/i;
/** MS-DOS directory attribute, so unzip tools that read attributes see "2_Normalize/" as a folder. */
const DOS_DIRECTORY = 0x10;

/**
 * Streams a folder into a zip archive: entries are added one at a time and pushed in `chunkSize`
 * slices, each slice's output handed to `sink` (and awaited) before the next is pushed, so the
 * writer never holds more than one slice of output — the archive never exists whole in memory.
 * Weights are stored, text and JSON deflated.
 */
export async function writeZip(
  files: ZipSource,
  sink: ZipSink,
  options: ZipWriteOptions = {},
): Promise<ZipWriteResult> {
  const chunkSize = options.chunkSize ?? MIB;
  const root = options.root ? `${options.root.replace(/\/+$/, '')}/` : '';
  const mtime = options.mtime ?? new Date();
  const queue: Uint8Array[] = [];
  let queued = 0;
  let failure: Error | null = null;
  const result: ZipWriteResult = { bytes: 0, entries: 0, peakQueued: 0 };
  const zip = new Zip((error, chunk) => {
    if (error) {
      failure ??= error;
      return;
    }
    queue.push(chunk);
    queued += chunk.byteLength;
    result.peakQueued = Math.max(result.peakQueued, queued);
  });
  const drain = async (name: string) => {
    if (failure) throw new ZipError(name, failure.message);
    while (queue.length > 0) {
      const chunk = queue.shift()!;
      queued -= chunk.byteLength;
      result.bytes += chunk.byteLength;
      if (result.bytes > ZIP32_LIMIT)
        throw new ZipError(name, 'the archive passes 4 GiB, more than a zip without ZIP64 holds');
      await sink(chunk);
    }
  };

  for await (const [path, bytes] of files) {
    const name = root + path;
    const isDirectory = path.endsWith('/');
    const entry =
      isDirectory || STORED.test(path) ? new ZipPassThrough(name) : new ZipDeflate(name);
    entry.mtime = mtime;
    if (isDirectory) entry.attrs = DOS_DIRECTORY;
    zip.add(entry);
    result.entries++;
    if (bytes.byteLength === 0) entry.push(new Uint8Array(0), true);
    for (let at = 0; at < bytes.byteLength; at += chunkSize) {
      const end = Math.min(at + chunkSize, bytes.byteLength);
      entry.push(bytes.subarray(at, end), end === bytes.byteLength);
      await drain(name);
    }
    await drain(name);
  }
  zip.end();
  await drain('central directory');
  return result;
}

/**
 * The archive as a Blob. The parts are the writer's chunks — views into the files for stored
 * entries — and the Blob copies them once, so the archive is never held twice.
 */
export async function zipBlob(files: ZipSource, options: ZipWriteOptions = {}): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  // fflate never hands out SharedArrayBuffer views, which is all the DOM typing guards against.
  await writeZip(files, (chunk) => void parts.push(chunk as Uint8Array<ArrayBuffer>), options);
  return new Blob(parts, { type: 'application/zip' });
}

/**
 * Every file of a zip archive by path, directories and archiver junk left out. `name` (the
 * archive's file name) is what an error names.
 */
export function readZip(bytes: Uint8Array, name: string): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => !f.name.endsWith('/') && !isArchiverJunk(f.name) });
  } catch (e) {
    throw new ZipError(name, `is not a readable zip archive (${(e as Error).message})`);
  }
  return new Map(Object.entries(entries));
}
