import { openDB, type IDBPDatabase } from 'idb';
import { DB_NAME, DB_VERSION, type AttuneDb } from './schema.ts';

export type Db = IDBPDatabase<AttuneDb>;

/**
 * Opens (and upgrades) the database. Each step brings version n−1 to n, so a browser that last
 * ran any older Attune upgrades through every step in order.
 */
export function openAttuneDb(name = DB_NAME): Promise<Db> {
  return openDB<AttuneDb>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const datasets = db.createObjectStore('datasets', { keyPath: 'id' });
        datasets.createIndex('created', 'created');
        const chunks = db.createObjectStore('datasetChunks', { keyPath: ['datasetId', 'index'] });
        chunks.createIndex('datasetId', 'datasetId');
        db.createObjectStore('models', { keyPath: 'id' });
        const runs = db.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('created', 'created');
        runs.createIndex('datasetId', 'datasetId');
        db.createObjectStore('checkpoints', { keyPath: 'runId' });
        db.createObjectStore('evalSets', { keyPath: 'datasetId' });
        db.createObjectStore('embeddings', { keyPath: 'key' });
        db.createObjectStore('generations', { keyPath: ['jobId', 'index'] });
      }
    },
  });
}
