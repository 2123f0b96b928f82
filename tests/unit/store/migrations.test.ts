import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  DatabaseOutdatedError,
  onDbNotice,
  openAttuneDb,
  type DbNotice,
} from '../../../src/lib/store/db.ts';
import { MIGRATIONS, type Migration } from '../../../src/lib/store/migrations.ts';
import { DB_VERSION } from '../../../src/lib/store/schema.ts';
import type { Encoded, OriginDump } from '../../support/origin-dump.ts';

/** What the studio at 7aa854f stored (schema v1): see tests/fixtures/legacy/make-v1.ts. */
const LEGACY: OriginDump = JSON.parse(
  readFileSync('tests/fixtures/legacy/v1-7aa854f.json', 'utf8'),
);

let dbCount = 0;
const freshName = () => `attune-test-${++dbCount}`;

function decode(v: Encoded): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v.$typed === 'string' && typeof v.base64 === 'string') {
    const bytes = new Uint8Array(Buffer.from(v.base64, 'base64'));
    return v.$typed === 'Float32Array' ? new Float32Array(bytes.buffer) : bytes;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
}

/** Writes a database as an older Attune left it: its stores, indexes and records, at its version. */
async function writeOld(name: string, dump: OriginDump['indexedDb']): Promise<void> {
  const db = await openDB(name, dump.version, {
    upgrade(raw) {
      for (const s of dump.stores) {
        const store = raw.createObjectStore(s.name, {
          keyPath: s.keyPath,
          autoIncrement: s.autoIncrement,
        });
        for (const i of s.indexes)
          store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry });
      }
    },
  });
  const tx = db.transaction(
    dump.stores.map((s) => s.name),
    'readwrite',
  );
  for (const s of dump.stores)
    for (const r of s.records) await tx.objectStore(s.name).put(decode(r));
  await tx.done;
  db.close();
}

type Row = Record<string, unknown>;
const legacyStore = (name: string) => LEGACY.indexedDb.stores.find((s) => s.name === name)!;
const legacyRun = () => decode(legacyStore('runs').records[0]) as Row;

describe('database migrations', () => {
  it('has one step per version', () => {
    expect(MIGRATIONS).toHaveLength(DB_VERSION);
    expect(DB_VERSION).toBe(2);
  });

  it('creates every store of the current schema in an empty browser', async () => {
    const db = await openAttuneDb(freshName());
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual([
      'checkpoints',
      'datasetChunks',
      'datasets',
      'embeddings',
      'evalSets',
      'generations',
      'models',
      'runs',
    ]);
    expect([...db.transaction('runs').store.indexNames].sort()).toEqual(['created', 'datasetId']);
    db.close();
  });

  it('upgrades the v1 database the studio at 7aa854f wrote, keeping every record', async () => {
    expect(LEGACY.indexedDb.version).toBe(1);
    const name = freshName();
    await writeOld(name, LEGACY.indexedDb);
    const db = await openAttuneDb(name);
    expect(db.version).toBe(2);
    // The fixture: the 24 tiny pairs, a 4-step run on wasm, completed, with its checkpoint.
    const [dataset] = await db.getAll('datasets');
    expect(dataset).toMatchObject({ name: 'tiny-bert.pairs', status: 'ready', kind: 'pairs' });
    expect(dataset.counts.pairs).toBe(24);
    const chunks = await db.getAllFromIndex('datasetChunks', 'datasetId', dataset.id);
    expect(chunks.flatMap((c) => c.pairs)).toHaveLength(24);
    const [run] = await db.getAll('runs');
    expect(run).toEqual({ ...legacyRun(), status: 'completed', backend: 'wasm' });
    expect(run.history.map((h) => h[0])).toEqual([1, 2, 3, 4]);
    const checkpoint = await db.get('checkpoints', run.id);
    const legacyCheckpoint = decode(legacyStore('checkpoints').records[0]) as Row;
    expect(checkpoint!.step).toBe(4);
    expect(checkpoint!.bytes).toEqual(legacyCheckpoint.bytes);
    db.close();
  });

  it('marks v1 runs left running or paused as interrupted, and names a backend for the oldest', async () => {
    const name = freshName();
    const base = legacyRun();
    const withoutBackend = { ...base };
    delete withoutBackend.backend;
    const runs = [
      { ...base, id: 'a', status: 'running' },
      { ...base, id: 'b', status: 'paused' },
      { ...withoutBackend, id: 'c', status: 'stopped' },
      { ...base, id: 'd', status: 'failed', error: 'out of memory' },
    ];
    const v1 = {
      ...LEGACY.indexedDb,
      stores: LEGACY.indexedDb.stores.map((s) => ({ ...s, records: [] })),
    };
    await writeOld(name, v1);
    const old = await openDB(name, 1);
    for (const r of runs) await old.put('runs', r);
    old.close();

    const db = await openAttuneDb(name);
    const byId = Object.fromEntries((await db.getAll('runs')).map((r) => [r.id, r]));
    expect(byId.a.status).toBe('interrupted');
    expect(byId.b.status).toBe('interrupted');
    expect(byId.c).toMatchObject({ status: 'stopped', backend: 'auto' });
    expect(byId.d).toMatchObject({ status: 'failed', backend: 'wasm', error: 'out of memory' });
    db.close();
  });

  it('an upgrade that fails leaves the v1 data as it was', async () => {
    const name = freshName();
    await writeOld(name, LEGACY.indexedDb);
    const old = await openDB(name, 1);
    await old.put('runs', { ...legacyRun(), id: 'x', status: 'running' });
    old.close();
    // The v2 step fails after rewriting the first run: the whole upgrade must roll back.
    const steps = MIGRATIONS as Migration[];
    const original = steps[1];
    steps[1] = async (db, tx) => {
      await original(db, tx);
      throw new Error('step failed');
    };
    try {
      await expect(openAttuneDb(name)).rejects.toThrow();
    } finally {
      steps[1] = original;
    }
    const still = await openDB(name);
    expect(still.version).toBe(1);
    expect((await still.get('runs', 'x')).status).toBe('running');
    expect(await still.count('runs')).toBe(2);
    still.close();
  });
});

describe('another tab on another version', () => {
  const notices = () => {
    const seen: (DbNotice | null)[] = [];
    const off = onDbNotice((n) => seen.push(n));
    return { seen, off };
  };

  it('an upgrade waits for an older tab that does not let go, and says so', async () => {
    const name = freshName();
    await writeOld(name, LEGACY.indexedDb);
    // A tab of 7aa854f: it has no versionchange handler, so it holds the upgrade up.
    const oldTab = await openDB(name, 1);
    const { seen, off } = notices();
    const opening = openAttuneDb(name);
    await expect.poll(() => seen).toEqual(['blocked']);
    oldTab.close();
    const db = await opening;
    expect(db.version).toBe(2);
    expect(seen).toEqual(['blocked', null]);
    db.close();
    off();
  });

  it('a newer tab upgrading closes this tab’s connection at once and tells it to reload', async () => {
    const name = freshName();
    const db = await openAttuneDb(name);
    const { seen, off } = notices();
    let blocked = false;
    const newer = await openDB(name, DB_VERSION + 1, { blocked: () => void (blocked = true) });
    expect(blocked).toBe(false);
    expect(seen).toEqual(['replaced']);
    // A closed connection refuses every transaction (InvalidStateError).
    expect(() => db.transaction('runs')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    newer.close();
    off();
  });

  it('data of a newer schema is refused with a line that says to reload', async () => {
    const name = freshName();
    (await openDB(name, DB_VERSION + 1)).close();
    const { seen, off } = notices();
    await expect(openAttuneDb(name)).rejects.toThrow(DatabaseOutdatedError);
    await expect(openAttuneDb(name)).rejects.toThrow(
      'Your data was saved by a newer version of Attune: reload this page to get it.',
    );
    expect(seen[0]).toBe('outdated');
    off();
  });
});
