/**
 * Where a model folder's files come from: a directory on disk (CLI), files dropped in the browser,
 * Cache Storage filled from the Hub, or an unzipped export. The loader only ever asks for paths
 * relative to the folder root ("config.json", "1_Pooling/config.json").
 */
export interface ModelSource {
  /** Human-readable origin for error messages ("./models/tiny", "hub:BAAI/bge-small-en-v1.5@main"). */
  readonly name: string;
  /** The file's bytes, or null when the folder has no such file. */
  read(path: string): Promise<Uint8Array | null>;
}

/** A source over an in-memory map of path → bytes (dropped files, unzipped exports, tests). */
export function memorySource(name: string, files: Map<string, Uint8Array>): ModelSource {
  return { name, read: async (path) => files.get(path) ?? null };
}
