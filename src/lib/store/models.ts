import { safetensorsParameterCount } from '../model/safetensors.ts';
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
