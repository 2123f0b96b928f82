import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheStorageModelCache } from '../../../src/lib/hub/cache.ts';
import { HubCancelledError, UnsupportedModelError } from '../../../src/lib/hub/errors.ts';
import { SENTENCE_TRANSFORMERS_FILES } from '../../../src/lib/hub/files.ts';
import { loadHubModel, type HubLoadProgress } from '../../../src/lib/hub/load.ts';
import { memoryPartialStore } from '../../../src/lib/hub/partial.ts';
import { HUB_FIXTURES, MemoryCacheStorage, startTestHub, type TestHub } from './test-hub.ts';

const REPO = 'sentence-transformers-testing/tiny-bert';
const DIR = join(HUB_FIXTURES, REPO);
/** Every file of the fixture repo, by path: what a load must return. */
const ON_DISK = new Map(
  readdirSync(DIR, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return [path.slice(DIR.length + 1), readFileSync(path)] as const;
    }),
);
const DISK_BYTES = [...ON_DISK.values()].reduce((sum, b) => sum + b.byteLength, 0);

let hub: TestHub;
beforeEach(async () => (hub = await startTestHub()));
afterEach(() => hub.close());

const requested = () => hub.requests.map((r) => r.path.split('/resolve/main/')[1]);

describe('loadHubModel', () => {
  it('fetches the sentence-transformers files, config.json first, with exact byte counts', async () => {
    const events: HubLoadProgress[] = [];
    const model = await loadHubModel({
      host: hub.host,
      repo: REPO,
      onProgress: (p) => events.push(p),
    });
    expect(model.name).toBe(`hub:${REPO}@main`);
    expect([...model.files.keys()].sort()).toEqual([...ON_DISK.keys()].sort());
    for (const [path, bytes] of ON_DISK) {
      expect(Buffer.from((await model.read(path))!).equals(bytes), path).toBe(true);
    }
    expect(await model.read('config_sentence_transformers.json')).toBe(null);
    expect(requested()[0]).toBe('config.json');
    expect(requested().sort()).toEqual(SENTENCE_TRANSFORMERS_FILES.map((f) => f.path).sort());

    expect(events[0].total).toBe(null);
    const last = events.at(-1)!;
    // 190 + 575 + 121096 + 230 + 53 + 125 + 7840 + 365 + 1398 bytes in the fixture folder
    expect(DISK_BYTES).toBe(131_872);
    expect(last.received).toBe(DISK_BYTES);
    expect(last.total).toBe(DISK_BYTES);
    for (const file of last.files) {
      const size = ON_DISK.get(file.path)?.byteLength;
      expect(file).toMatchObject(
        size === undefined
          ? { status: 'missing', received: 0 }
          : { status: 'done', received: size, total: size },
      );
    }
    const weights = events.map((e) => e.files.find((f) => f.path === 'model.safetensors')!);
    expect(weights.filter((f) => f.status === 'downloading').every((f) => f.total === 121096)).toBe(
      true,
    );
  });

  it('loads a second time from the cache without a single request', async () => {
    const cache = cacheStorageModelCache(new MemoryCacheStorage());
    await loadHubModel({ host: hub.host, repo: REPO, cache });
    const first = hub.requests.length;
    expect(first).toBe(SENTENCE_TRANSFORMERS_FILES.length);

    const events: HubLoadProgress[] = [];
    const again = await loadHubModel({
      host: hub.host,
      repo: REPO,
      cache,
      onProgress: (p) => events.push(p),
    });
    expect(hub.requests.length).toBe(first);
    for (const [path, bytes] of ON_DISK) {
      expect(Buffer.from((await again.read(path))!).equals(bytes), path).toBe(true);
    }
    const last = events.at(-1)!;
    expect(last).toMatchObject({ received: DISK_BYTES, total: DISK_BYTES, bytesPerSecond: 0 });
    expect(last.files.map((f) => [f.path, f.status])).toEqual(
      SENTENCE_TRANSFORMERS_FILES.map((f) => [f.path, ON_DISK.has(f.path) ? 'cached' : 'missing']),
    );
  });

  it('refuses an XLM-R config before asking for any other file', async () => {
    const e = await loadHubModel({ host: hub.host, repo: 'attune-testing/xlmr-config' }).catch(
      (e: unknown) => e,
    );
    expect(e).toBeInstanceOf(UnsupportedModelError);
    expect((e as Error).message).toBe(
      "config.json of attune-testing/xlmr-config at revision main: model_type 'xlm-roberta' is not supported; Attune trains BERT-family models (model_type 'bert')",
    );
    expect(requested()).toEqual(['config.json']);
  });

  it('fails on a missing required file with its name, repo and revision', async () => {
    const files = [...SENTENCE_TRANSFORMERS_FILES, { path: 'onnx/model.onnx', required: true }];
    await expect(loadHubModel({ host: hub.host, repo: REPO, files })).rejects.toThrow(
      `file onnx/model.onnx not found in repo ${REPO} at revision main`,
    );
  });

  it('stops the weights download when a required file is missing, keeping its prefix', async () => {
    const partials = memoryPartialStore();
    hub.misbehaveNext('model.safetensors', { piece: 8192, delayMs: 50 });
    hub.misbehaveNext('onnx/model.onnx', { waitMs: 200 });
    const files = [...SENTENCE_TRANSFORMERS_FILES, { path: 'onnx/model.onnx', required: true }];
    await expect(loadHubModel({ host: hub.host, repo: REPO, files, partials })).rejects.toThrow(
      'file onnx/model.onnx not found',
    );
    const url = `${hub.host}/${REPO}/resolve/main/model.safetensors`;
    // The download winds down after the load has failed, leaving its prefix.
    await expect.poll(() => partials.get(url)).not.toBe(null);
    const kept = (await partials.get(url))!.bytes;
    expect(kept.byteLength).toBeLessThan(121096);
    expect(
      Buffer.from(kept).equals(ON_DISK.get('model.safetensors')!.subarray(0, kept.byteLength)),
    ).toBe(true);
  });

  it('still returns the model when the cache refuses to store, with a warning per file', async () => {
    const full = new MemoryCacheStorage();
    const refusing = {
      open: async (name: string) => ({
        ...(await full.open(name)),
        put: async () => {
          throw new Error('QuotaExceededError: the quota has been exceeded');
        },
      }),
    };
    const warnings: string[] = [];
    const model = await loadHubModel({
      host: hub.host,
      repo: REPO,
      cache: cacheStorageModelCache(refusing),
      onWarning: (w) => warnings.push(w),
    });
    expect(model.files.size).toBe(ON_DISK.size);
    expect(warnings).toContain(
      'could not cache model.safetensors, so the next load downloads it again: QuotaExceededError: the quota has been exceeded',
    );
    expect(warnings.length).toBe(ON_DISK.size + 1);
    expect(warnings.at(-1)).toBe(
      'could not note the absent files, so the next load asks for them: QuotaExceededError: the quota has been exceeded',
    );
  });

  it('resumes the weights where a cancelled load stopped, with one Range request', async () => {
    const partials = memoryPartialStore();
    const abort = new AbortController();
    hub.misbehaveNext('model.safetensors', { piece: 8192, delayMs: 25 });
    const cancelled = await loadHubModel({
      host: hub.host,
      repo: REPO,
      partials,
      signal: abort.signal,
      onProgress: (p) => {
        const weights = p.files.find((f) => f.path === 'model.safetensors')!;
        if (weights.received >= 32768) abort.abort();
      },
    }).catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(HubCancelledError);
    const kept = (cancelled as HubCancelledError).received;
    expect(kept).toBeGreaterThanOrEqual(32768);
    expect(kept).toBeLessThan(121096);

    const before = hub.requests.length;
    const events: HubLoadProgress[] = [];
    const model = await loadHubModel({
      host: hub.host,
      repo: REPO,
      partials,
      onProgress: (p) => events.push(p),
    });
    const weights = hub.requests.slice(before).filter((r) => r.path.endsWith('model.safetensors'));
    expect(weights.map((r) => [r.range, r.status])).toEqual([[`bytes=${kept}-`, 206]]);
    expect(
      Buffer.from((await model.read('model.safetensors'))!).equals(
        ON_DISK.get('model.safetensors')!,
      ),
    ).toBe(true);
    const resumed = events
      .map((e) => e.files.find((f) => f.path === 'model.safetensors')!)
      .find((f) => f.status === 'downloading')!;
    expect(resumed).toMatchObject({ received: kept, resumedFrom: kept, total: 121096 });
    expect(events.at(-1)).toMatchObject({ received: DISK_BYTES, total: DISK_BYTES });
  });
});
