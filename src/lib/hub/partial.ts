/** The received prefix of an interrupted download, enough to ask for the rest with a Range request. */
export interface PartialDownload {
  bytes: Uint8Array;
  /** The whole file's size as the server announced it, when it did. */
  total: number | null;
  /** The response's ETag, when readable: a resumed 206 with another ETag is another file. */
  etag: string | null;
}

/** Where interrupted downloads wait to be resumed, keyed by URL. */
export interface PartialStore {
  get(url: string): Promise<PartialDownload | null>;
  put(url: string, partial: PartialDownload): Promise<void>;
  delete(url: string): Promise<void>;
}

/** Keeps prefixes for the life of the page (or worker): cancel and load again resumes. */
export function memoryPartialStore(): PartialStore {
  const partials = new Map<string, PartialDownload>();
  return {
    get: async (url) => partials.get(url) ?? null,
    put: async (url, partial) => void partials.set(url, partial),
    delete: async (url) => void partials.delete(url),
  };
}
