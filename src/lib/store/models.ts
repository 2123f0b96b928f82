import { labelsOf } from '../model/cross-encoder-folder.ts';
import { safetensorsParameterCount } from '../model/safetensors.ts';
import type { Db } from './db.ts';
import type { LocalModelRecord, ModelRole } from './schema.ts';

/** What the model list shows about a stored local model, without keeping its files. */
export interface LocalModelEntry {
  id: string;
  name: string;
  created: number;
  /** Sum of the stored files' sizes. */
  bytes: number;
  /** From model.safetensors' header; null when it cannot be read. */
  parameters: number | null;
  role: ModelRole;
  /** A reranker's output labels (from config.json); null for a base model or an unreadable config. */
  labels: number | null;
}

/**
 * Every local model of one role (base models unless asked), oldest first. A cursor reads one
 * record at a time and keeps only its entry, so listing never holds every model's weights at once.
 */
export async function listLocalModels(
  db: Db,
  role: ModelRole = 'base',
): Promise<LocalModelEntry[]> {
  const entries: LocalModelEntry[] = [];
  for (let cursor = await db.transaction('models').store.openCursor(); cursor;) {
    if ((cursor.value.role ?? 'base') === role) entries.push(describeLocalModel(cursor.value));
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
  role: ModelRole = 'base',
): Promise<LocalModelRecord> {
  const record: LocalModelRecord = {
    id: crypto.randomUUID(),
    name,
    created,
    files: Object.fromEntries(files),
    ...(role === 'reranker' ? { role } : {}),
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
  const role = record.role ?? 'base';
  return {
    id: record.id,
    name: record.name,
    created: record.created,
    bytes: files.reduce((sum, f) => sum + f.byteLength, 0),
    parameters: weights ? safetensorsParameterCount(weights) : null,
    role,
    labels: role === 'reranker' ? configLabels(record.files['config.json']) : null,
  };
}

/** The label count a stored config.json declares; null when it cannot be read. */
function configLabels(bytes: Uint8Array | undefined): number | null {
  if (!bytes) return null;
  try {
    return labelsOf(JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>);
  } catch {
    // The reranker was checked when it was imported; an unreadable config only hides the count.
    return null;
  }
}
