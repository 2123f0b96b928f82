import { describe, expect, it } from 'vitest';
import { cacheStorageModelCache, TRANSFORMERS_CACHE } from '../../../src/lib/hub/cache.ts';
import { MemoryCacheStorage } from './test-hub.ts';

const URL_A = 'https://huggingface.co/a/b/resolve/main/tokenizer.json';

describe('cacheStorageModelCache', () => {
  it("stores a file under transformers.js's cache name, keyed by its full URL", async () => {
    const storage = new MemoryCacheStorage();
    const cache = cacheStorageModelCache(storage);
    await cache.put(URL_A, new Uint8Array([123, 125]));
    expect(TRANSFORMERS_CACHE).toBe('transformers-cache');
    expect([...storage.stores.keys()]).toEqual(['transformers-cache']);
    expect([...storage.stores.get('transformers-cache')!.keys()]).toEqual([URL_A]);
    const response = await (await storage.open('transformers-cache')).match(URL_A);
    expect(response!.status).toBe(200);
    expect(response!.headers.get('Content-Type')).toBe('application/json');
    expect(response!.headers.get('Content-Length')).toBe('2');
    expect(await response!.text()).toBe('{}');
  });

  it('gives back the same bytes, and null for a URL it does not hold', async () => {
    const cache = cacheStorageModelCache(new MemoryCacheStorage());
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    await cache.put(URL_A, bytes);
    expect(await cache.match(URL_A)).toEqual(bytes);
    expect(await cache.match(URL_A.replace('tokenizer', 'config'))).toBe(null);
  });

  it('reads a file transformers.js cached, and ignores a stored error response', async () => {
    const storage = new MemoryCacheStorage();
    const store = await storage.open('transformers-cache');
    await store.put(URL_A, new Response('{"a":1}'));
    await store.put(`${URL_A}.missing`, new Response('Entry not found', { status: 404 }));
    const cache = cacheStorageModelCache(storage);
    expect(new TextDecoder().decode((await cache.match(URL_A))!)).toBe('{"a":1}');
    expect(await cache.match(`${URL_A}.missing`)).toBe(null);
  });
});
