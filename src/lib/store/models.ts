import { isArchiverJunk } from '../export/zip.ts';
import type { Db } from './db.ts';
import type { LocalModelRecord } from './schema.ts';

/** What the model list shows about a stored local model, without keeping its files. */
export interface LocalModelEntry {
  id: string;
  name: string;
  created: number;
  /** Sum of the stored files' sizes. */
  bytes: number;
  /** From model.safetensors' header; null when it cannot be read. */
  parameters: number | null;
}

/**
 * Every local model, oldest first. A cursor reads one record at a time and keeps only its entry,
 * so listing never holds every model's weights at once.
 */
export async function listLocalModels(db: Db): Promise<LocalModelEntry[]> {
  const entries: LocalModelEntry[] = [];
  for (let cursor = await db.transaction('models').store.openCursor(); cursor;) {
    entries.push(describeLocalModel(cursor.value));
    cursor = await cursor.continue();
  }
  return entries.sort((a, b) => a.created - b.created);
}

export function getLocalModel(db: Db, id: string): Promise<LocalModelRecord | undefined> {
  return db.get('models', id);
}

/** A stored model's files by path, as a ModelSource-ready map. */
export function localModelFiles(record: LocalModelRecord): Map<string, Uint8Array> {
  return new Map(Object.entries(record.files));
}

/** Stores a validated model folder under a fresh id. */
export async function addLocalModel(
  db: Db,
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
  created = Date.now(),
): Promise<LocalModelRecord> {
  const record: LocalModelRecord = {
    id: crypto.randomUUID(),
    name,
    created,
    files: Object.fromEntries(files),
  };
  await db.put('models', record);
  return record;
}

/** `name`, or "name (2)", "name (3)", … when the list already has it. */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  let unique = name;
  for (let n = 2; names.has(unique); n++) unique = `${name} (${n})`;
  return unique;
}

export function deleteLocalModel(db: Db, id: string): Promise<void> {
  return db.delete('models', id);
}

export function describeLocalModel(record: LocalModelRecord): LocalModelEntry {
  const files = Object.values(record.files);
  const weights = record.files['model.safetensors'];
  return {
    id: record.id,
    name: record.name,
    created: record.created,
    bytes: files.reduce((sum, f) => sum + f.byteLength, 0),
    parameters: weights ? safetensorsParameterCount(weights) : null,
  };
}

/**
 * Parameters listed in a safetensors header (8-byte little-endian length, then JSON
 * `{name: {shape}}`): the count without decoding the weights. Null for a header it cannot read;
 * the loader has validated stored files already.
 */
export function safetensorsParameterCount(bytes: Uint8Array): number | null {
  if (bytes.byteLength < 8) return null;
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + length > bytes.byteLength) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
      string,
      { shape?: number[] }
    >;
    let count = 0;
    for (const [name, entry] of Object.entries(header)) {
      if (name !== '__metadata__') count += (entry.shape ?? []).reduce((a, b) => a * b, 1);
    }
    return count;
  } catch {
    return null;
  }
}

/** A model folder's files by path relative to the folder, and the folder's own name. */
export interface ModelFolder<T> {
  /** The folders every file shared, now removed ("tiny-bert"); "" when the files sat at the top. */
  root: string;
  files: Map<string, T>;
}

/**
 * Paths relative to the model folder: a picked or dropped directory ("tiny-bert/config.json") or
 * a zip holding the folder ("export/tiny-bert/config.json") loses the folders that every file
 * shares. Backslashes become "/"; directories and archiver junk (`.DS_Store`, `__MACOSX/`) go.
 */
export function relativeToFolder<T>(files: Iterable<readonly [string, T]>): ModelFolder<T> {
  const entries = [...files]
    .map(([path, value]) => [path.replace(/\\/g, '/').replace(/^\/+/, ''), value] as const)
    .filter(([path]) => path !== '' && !path.endsWith('/') && !isArchiverJunk(path));
  let prefix = '';
  for (;;) {
    const head = entries[0]?.[0].slice(prefix.length).split('/');
    if (!head || head.length < 2) break;
    const next = `${prefix}${head[0]}/`;
    if (!entries.every(([path]) => path.startsWith(next))) break;
    prefix = next;
  }
  return {
    root: prefix.replace(/\/$/, ''),
    files: new Map(entries.map(([path, value]) => [path.slice(prefix.length), value])),
  };
}
