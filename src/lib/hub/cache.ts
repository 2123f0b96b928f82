/** Finished downloads, keyed by their full URL. */
export interface ModelFileCache {
  match(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
}

/** transformers.js keeps Hub files under this Cache Storage name; sharing it means one download for both. */
export const TRANSFORMERS_CACHE = 'transformers-cache';

/** The part of the browser's `Cache` used here; a real `Cache` satisfies it. */
export interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** The part of `CacheStorage` (`globalThis.caches`) used here, passed in so the core has no DOM. */
export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}

/**
 * Hub files in Cache Storage, one Response per full URL, as transformers.js stores them
 * (`cache.put(remoteURL, response)`), so a file either of them fetched is there for the other.
 */
export function cacheStorageModelCache(
  storage: CacheStorageLike,
  name = TRANSFORMERS_CACHE,
): ModelFileCache {
  let opened: Promise<CacheLike> | null = null;
  const cache = () => (opened ??= storage.open(name));
  return {
    async match(url) {
      const response = await (await cache()).match(url);
      // transformers.js stores only successful responses; anything else is not a file.
      if (!response?.ok) return null;
      return new Uint8Array(await response.arrayBuffer());
    },
    async put(url, bytes) {
      // Downloads are never backed by a SharedArrayBuffer, which is all the DOM typing guards against.
      const response = new Response(bytes as Uint8Array<ArrayBuffer>, {
        headers: {
          'Content-Type': contentType(url),
          'Content-Length': String(bytes.byteLength),
        },
      });
      await (await cache()).put(url, response);
    },
  };
}

/** The type the Hub serves each file with, so a cached Response reads like a fetched one. */
function contentType(url: string): string {
  if (url.endsWith('.json')) return 'application/json';
  if (url.endsWith('.txt') || url.endsWith('.md')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
