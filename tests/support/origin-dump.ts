/**
 * A browser origin's stored data as JSON, and back: one IndexedDB database (its stores, key paths,
 * indexes and records, at the version it was written with), Cache Storage and localStorage.
 * Both functions run inside the page (`page.evaluate`), so each is self-contained. Typed arrays
 * become `{ $typed, base64 }`; the page's origin in any string becomes `$ORIGIN`.
 */

export type Encoded =
  | null
  | boolean
  | number
  | string
  | Encoded[]
  | { $typed: string; base64: string }
  | { [key: string]: Encoded };

export interface StoreDump {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[];
  records: Encoded[];
}

export interface OriginDump {
  indexedDb: { name: string; version: number; stores: StoreDump[] };
  caches: {
    name: string;
    entries: { url: string; status: number; headers: [string, string][]; base64: string }[];
  }[];
  localStorage: Record<string, string>;
}

/** Reads everything the origin stores (the database named `db`). */
export async function dumpOrigin({ db: dbName }: { db: string }): Promise<OriginDump> {
  const origin = location.origin;
  const toBase64 = (bytes: Uint8Array): string => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const encode = (v: unknown): Encoded => {
    if (typeof v === 'string') return v.split(origin).join('$ORIGIN');
    if (v === null || v === undefined || typeof v !== 'object') return (v ?? null) as Encoded;
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return { $typed: v.constructor.name, base64: toBase64(bytes) };
    }
    if (Array.isArray(v)) return v.map(encode);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  };
  const request = <T>(r: IDBRequest<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const db = await request(indexedDB.open(dbName));
  const stores: StoreDump[] = [];
  for (const name of db.objectStoreNames) {
    const store = db.transaction(name).objectStore(name);
    const indexes = [...store.indexNames].map((n) => {
      const index = store.index(n);
      return {
        name: n,
        keyPath: index.keyPath,
        unique: index.unique,
        multiEntry: index.multiEntry,
      };
    });
    const records = (await request(store.getAll())).map(encode);
    stores.push({
      name,
      keyPath: store.keyPath,
      autoIncrement: store.autoIncrement,
      indexes,
      records,
    });
  }
  const version = db.version;
  db.close();
  const caches: OriginDump['caches'] = [];
  for (const name of await globalThis.caches.keys()) {
    const cache = await globalThis.caches.open(name);
    const entries = [];
    for (const req of await cache.keys()) {
      const response = (await cache.match(req))!;
      entries.push({
        url: req.url.split(origin).join('$ORIGIN'),
        status: response.status,
        headers: [...response.headers.entries()],
        base64: toBase64(new Uint8Array(await response.arrayBuffer())),
      });
    }
    caches.push({ name, entries });
  }
  const local: Record<string, string> = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)!;
    local[key] = localStorage.getItem(key)!.split(origin).join('$ORIGIN');
  }
  return { indexedDb: { name: dbName, version, stores }, caches, localStorage: local };
}

/**
 * Writes a dump into this origin as the old studio had: the database created at the dump's
 * version with the dump's stores and indexes, then every record, cache entry and local item.
 */
export async function restoreOrigin(dump: OriginDump): Promise<void> {
  const origin = location.origin;
  const fromBase64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const typed: Record<string, (b: ArrayBuffer) => ArrayBufferView> = {
    Uint8Array: (b) => new Uint8Array(b),
    Float32Array: (b) => new Float32Array(b),
    Int32Array: (b) => new Int32Array(b),
  };
  const decode = (v: Encoded): unknown => {
    if (typeof v === 'string') return v.split('$ORIGIN').join(origin);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(decode);
    if (typeof v.$typed === 'string' && typeof v.base64 === 'string')
      return typed[v.$typed](fromBase64(v.base64).slice().buffer);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  };
  const { name, version, stores } = dump.indexedDb;
  const open = indexedDB.open(name, version);
  open.onupgradeneeded = () => {
    for (const s of stores) {
      const store = open.result.createObjectStore(s.name, {
        keyPath: s.keyPath,
        autoIncrement: s.autoIncrement,
      });
      for (const i of s.indexes)
        store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry });
    }
  };
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const tx = db.transaction(
    stores.map((s) => s.name),
    'readwrite',
  );
  for (const s of stores) for (const r of s.records) tx.objectStore(s.name).put(decode(r));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  for (const c of dump.caches) {
    const cache = await caches.open(c.name);
    for (const e of c.entries) {
      const body = fromBase64(e.base64) as Uint8Array<ArrayBuffer>;
      await cache.put(
        e.url.split('$ORIGIN').join(origin),
        new Response(body, { status: e.status, headers: e.headers }),
      );
    }
  }
  for (const [key, value] of Object.entries(dump.localStorage))
    localStorage.setItem(key, value.split('$ORIGIN').join(origin));
}
