import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CROSS_ENCODER_FILES } from '../../../src/lib/hub/files.ts';
import { loadHubModel } from '../../../src/lib/hub/load.ts';
import { cacheStorageModelCache } from '../../../src/lib/hub/cache.ts';
import {
  loadCrossEncoderModel,
  summarizeCrossEncoder,
} from '../../../src/lib/model/cross-encoder-folder.ts';
import { MemoryCacheStorage, startTestHub, type TestHub } from './test-hub.ts';

/** The tiny cross-encoder fixture in Hub layout (a link to tests/fixtures/tiny-cross-encoder). */
const REPO = 'cross-encoder-testing/tiny-cross-encoder';

let hub: TestHub;
beforeEach(async () => (hub = await startTestHub()));
afterEach(() => hub.close());

const requested = () => hub.requests.map((r) => r.path.split('/resolve/main/')[1]);

describe('a reranker from the Hub', () => {
  it('downloads only what CrossEncoder reads, config.json first, and is cached like a base model', async () => {
    const cache = cacheStorageModelCache(new MemoryCacheStorage());
    const source = await loadHubModel({
      host: hub.host,
      repo: REPO,
      files: CROSS_ENCODER_FILES,
      cache,
    });
    const summary = summarizeCrossEncoder(await loadCrossEncoderModel(source));
    // config.json: id2label {"0": "LABEL_0"}, 2 layers of 32; encoder 29,280 parameters
    // (as the tiny BERT) + classifier 32 + 1.
    expect(summary).toMatchObject({ labels: 1, activation: 'sigmoid', layers: 2, hiddenSize: 32 });
    expect(summary.parameters).toBe(29_280 + 33);
    expect(requested()[0]).toBe('config.json');
    expect(requested().sort()).toEqual(CROSS_ENCODER_FILES.map((f) => f.path).sort());

    const before = hub.requests.length;
    await loadHubModel({ host: hub.host, repo: REPO, files: CROSS_ENCODER_FILES, cache });
    expect(hub.requests.length).toBe(before);
  });
});
