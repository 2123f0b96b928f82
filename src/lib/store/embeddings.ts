import type { CachedEmbeddings, EmbeddingStore } from '../eval/embedding-cache.ts';
import type { Db } from './db.ts';

/** The embedding cache in IndexedDB: one record per key, its Float32Array stored as it is. */
export function idbEmbeddingStore(db: Db): EmbeddingStore {
  return {
    get: (key) => db.get('embeddings', key),
    async put(key: string, value: CachedEmbeddings) {
      await db.put('embeddings', { ...value, key, created: Date.now() });
    },
  };
}
