import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  corpusCachedEmbedder,
  embeddingCacheKey,
  modelKey,
  packEmbeddings,
  textsFingerprint,
  unpackEmbeddings,
  type CachedEmbeddings,
  type EmbeddingStore,
} from '../../../src/lib/eval/embedding-cache.ts';
import { evaluateRetrieval, type Embedder } from '../../../src/lib/eval/retrieval.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** IndexedDB keeps values by structured clone; so does this stand-in, so what comes back is a copy. */
class ClonedMapStore implements EmbeddingStore {
  readonly entries = new Map<string, CachedEmbeddings>();
  async get(key: string) {
    const value = this.entries.get(key);
    return value && structuredClone(value);
  }
  async put(key: string, value: CachedEmbeddings) {
    this.entries.set(key, structuredClone(value));
  }
}

const WORDS = ['password', 'invoice', 'cache', 'upload'];

/** Bag of words over four topics, counting the texts it was asked to embed. */
function countingEmbedder(): Embedder & { embedded: string[][] } {
  const embedded: string[][] = [];
  return {
    embedded,
    embed: async (texts, options) => {
      embedded.push([...texts]);
      options.onProgress?.(texts.length, texts.length);
      return texts.map(
        (text) => new Float32Array(WORDS.map((w) => text.split(' ').filter((t) => t === w).length)),
      );
    },
  };
}

const corpus = ['password reset', 'invoice invoice', 'cache', 'password cache'];
const queries = ['password', 'cache'];

describe('embedding cache keys', () => {
  it('names a Hub model by repo and revision, a local model by id, a run by id and checkpoint step', () => {
    expect(modelKey({ kind: 'hub', repo: 'BAAI/bge-small-en-v1.5', revision: 'main' })).toBe(
      'hub:BAAI/bge-small-en-v1.5@main',
    );
    expect(modelKey({ kind: 'local', id: 'm-7' })).toBe('local:m-7');
    expect(modelKey({ kind: 'run', runId: 'r-1', step: 120 })).toBe('run:r-1@120');
    expect(embeddingCacheKey({ kind: 'run', runId: 'r-1', step: 120 }, 'ds-3')).toBe(
      'run:r-1@120|ds-3',
    );
  });

  it('gives another key to another revision, checkpoint step or dataset version, and ignores the Hub host', () => {
    const hub = { kind: 'hub', repo: 'org/model', revision: 'main' } as const;
    const keys = [
      embeddingCacheKey(hub, 'ds-1'),
      embeddingCacheKey({ ...hub, revision: 'v2' }, 'ds-1'),
      embeddingCacheKey(hub, 'ds-2'),
      embeddingCacheKey({ kind: 'run', runId: 'r', step: 10 }, 'ds-1'),
      embeddingCacheKey({ kind: 'run', runId: 'r', step: 20 }, 'ds-1'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    const mirrored = { ...hub, host: 'http://localhost:4174/hub-mirror' };
    expect(embeddingCacheKey(mirrored, 'ds-1')).toBe(keys[0]);
  });

  it('fingerprints texts in order, and tells apart texts split at another place', () => {
    expect(textsFingerprint(['a', 'b'])).toBe(textsFingerprint(['a', 'b']));
    expect(textsFingerprint(['a', 'b'])).not.toBe(textsFingerprint(['b', 'a']));
    expect(textsFingerprint(['ab', 'c'])).not.toBe(textsFingerprint(['a', 'bc']));
  });
});

describe('packed embeddings', () => {
  it('survive the structured clone IndexedDB stores them with, bit for bit', () => {
    const rows = [
      new Float32Array([1.5, -0, 3.4028234663852886e38]),
      new Float32Array([1e-45, -2.25, Math.fround(0.1)]),
    ];
    const packed = packEmbeddings(rows, 'fp');
    expect(packed.rows).toBe(2);
    expect(packed.dim).toBe(3);
    const back = unpackEmbeddings(structuredClone(packed));
    expect(back.map((r) => [...r])).toEqual(rows.map((r) => [...r]));
    expect(Object.is(back[0][1], -0)).toBe(true);
  });

  it('refuses rows of unequal length and a matrix of the wrong size', () => {
    expect(() => packEmbeddings([new Float32Array(2), new Float32Array(3)], 'fp')).toThrow(
      'embedding 1 has 3 dimensions, expected 2',
    );
    expect(() =>
      unpackEmbeddings({ fingerprint: 'fp', rows: 2, dim: 3, data: new Float32Array(5) }),
    ).toThrow('cached matrix holds 5 values, expected 2 × 3');
  });
});

describe('corpusCachedEmbedder', () => {
  it('embeds the corpus once: a second evaluation reads it from the store and scores the same', async () => {
    const store = new ClonedMapStore();
    const inner = countingEmbedder();
    const sources: boolean[] = [];
    const task = {
      corpus: corpus.map((text, i) => ({ id: `d${i}`, text })),
      queries: queries.map((text, i) => ({ id: `q${i}`, text })),
      relevant: new Map([
        ['q0', new Set(['d3'])],
        ['q1', new Set(['d2'])],
      ]),
    };
    const embedder = () =>
      corpusCachedEmbedder(inner, {
        store,
        key: 'hub:org/model@main|ds-1',
        corpus,
        onCorpus: (fromCache) => sources.push(fromCache),
      });
    const first = await evaluateRetrieval(embedder(), task);
    const second = await evaluateRetrieval(embedder(), task);
    expect(sources).toEqual([false, true]);
    // The queries are embedded every time; the corpus only the first time.
    expect(inner.embedded).toEqual([corpus, queries, queries]);
    expect(second.metrics).toEqual(first.metrics);
    expect(second.rankings).toEqual(first.rankings);
    expect([...store.entries.keys()]).toEqual(['hub:org/model@main|ds-1']);
  });

  it('embeds again when the texts under the key are no longer the ones it stored', async () => {
    const store = new ClonedMapStore();
    const inner = countingEmbedder();
    const key = 'local:m|ds-1';
    await corpusCachedEmbedder(inner, { store, key, corpus }).embed([...corpus], {});
    const edited = [...corpus.slice(0, 3), 'upload'];
    const rows = await corpusCachedEmbedder(inner, { store, key, corpus: edited }).embed(
      edited,
      {},
    );
    expect(inner.embedded).toEqual([corpus, edited]);
    expect([...rows[3]]).toEqual([0, 0, 0, 1]);
    expect(store.entries.get(key)!.fingerprint).toBe(textsFingerprint(edited));
  });

  it('goes on without the cache when the store fails, and says what that costs', async () => {
    const warnings: string[] = [];
    const broken: EmbeddingStore = {
      get: () => Promise.reject(new Error('QuotaExceededError')),
      put: () => Promise.reject(new Error('QuotaExceededError')),
    };
    const rows = await corpusCachedEmbedder(countingEmbedder(), {
      store: broken,
      key: 'k',
      corpus,
      onWarning: (m) => warnings.push(m),
    }).embed([...corpus], {});
    expect(rows).toHaveLength(4);
    expect(warnings).toEqual([
      'could not read the embedding cache, so the corpus is embedded again: QuotaExceededError',
      'could not store the corpus embeddings, so the next evaluation embeds them again: QuotaExceededError',
    ]);
  });
});
