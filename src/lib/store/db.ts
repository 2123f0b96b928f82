import { openDB, type IDBPDatabase } from 'idb';
import { migrate } from './migrations.ts';
import { DB_NAME, DB_VERSION, type AttuneDb } from './schema.ts';

export type Db = IDBPDatabase<AttuneDb>;

/**
 * What another tab's version of Attune does to this one's database:
 * 'blocked' — this tab upgrades the schema and waits for a tab of an older version to let go;
 * 'replaced' — a newer version in another tab upgrades the schema, so this tab closed its
 * connection (it must reload to go on); 'outdated' — the stored data is of a newer schema than
 * this page knows.
 */
export type DbNotice = 'blocked' | 'replaced' | 'outdated';

type Listener = (notice: DbNotice | null) => void;
const listeners = new Set<Listener>();

/**
 * Calls `listener` on every notice of this realm's connections (the page's, or a worker's), and
 * with null when a blocked upgrade went through.
 */
export function onDbNotice(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const notify = (notice: DbNotice | null) => listeners.forEach((l) => l(notice));

/** Thrown when the stored data is newer than this page: a tab left open across an upgrade. */
export class DatabaseOutdatedError extends Error {
  constructor() {
    super('Your data was saved by a newer version of Attune: reload this page to get it.');
    this.name = 'DatabaseOutdatedError';
  }
}

/**
 * Opens (and upgrades) the database through every migration step from the version on disk.
 * An upgrade requested by another tab closes this connection at once instead of blocking it.
 */
export async function openAttuneDb(name = DB_NAME): Promise<Db> {
  let db: Db | undefined;
  let blocked = false;
  try {
    db = await openDB<AttuneDb>(name, DB_VERSION, {
      upgrade(raw, oldVersion, newVersion, transaction) {
        const untyped = raw as unknown as IDBPDatabase<unknown>;
        const tx = transaction as unknown as Parameters<typeof migrate>[1];
        // A failed step aborts the upgrade: the data stays as the older version left it, and the
        // open rejects with the abort (the transaction's own `done` would only repeat it).
        tx.done.catch(() => undefined);
        migrate(untyped, tx, oldVersion, newVersion ?? DB_VERSION).catch(() => tx.abort());
      },
      blocked: () => {
        blocked = true;
        notify('blocked');
      },
      blocking: () => {
        db?.close();
        notify('replaced');
      },
    });
    if (blocked) notify(null);
    return db;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'VersionError') {
      notify('outdated');
      throw new DatabaseOutdatedError();
    }
    throw e;
  }
}
