import { describe, expect, it } from 'vitest';
import type { AdapterSummary } from '../../../src/lib/env/adapter.ts';
import {
  cachedChoice,
  probeCacheKey,
  rankTrials,
  serializeChoice,
} from '../../../src/lib/env/backend-choice.ts';
import type { BackendChoice } from '../../../src/lib/env/backend-choice.ts';

const SWIFTSHADER: AdapterSummary = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: '',
  isFallback: false,
};
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0';
const CHOICE: BackendChoice<'wasm' | 'cpu' | 'webgpu'> = {
  backend: 'wasm',
  reason: 'a probe training step took 9 ms on wasm (31 ms on cpu, 840 ms on webgpu)',
  trials: [
    { backend: 'cpu', ms: 31, loss: 1.38 },
    { backend: 'wasm', ms: 9, loss: 1.38 },
    { backend: 'webgpu', ms: 840, loss: 1.38 },
  ],
};

describe('the cached backend choice', () => {
  it('is keyed by browser build, adapter and wasm thread count, so a new one is measured again', () => {
    const key = probeCacheKey(UA, SWIFTSHADER, 2);
    expect(key).toBe(`v1|${UA}|google/swiftshader//|wasm-threads=2`);
    expect(probeCacheKey(UA, null, 1)).toBe(`v1|${UA}|no-webgpu|wasm-threads=1`);
    expect(probeCacheKey(UA.replace('156', '157'), SWIFTSHADER, 2)).not.toBe(key);
    expect(probeCacheKey(UA, { ...SWIFTSHADER, vendor: 'nvidia' }, 2)).not.toBe(key);
    // wasm on another thread count may rank differently: measured again.
    expect(probeCacheKey(UA, SWIFTSHADER, 1)).not.toBe(key);
  });

  it('round-trips for its own key and is ignored for another', () => {
    const key = probeCacheKey(UA, SWIFTSHADER, 2);
    const text = serializeChoice(key, CHOICE);
    expect(cachedChoice(text, key)).toEqual(CHOICE);
    expect(cachedChoice(text, probeCacheKey(UA, null, 1))).toBeNull();
  });

  it('is ignored when missing or damaged instead of failing the start-up', () => {
    const key = probeCacheKey(UA, null, 1);
    expect(cachedChoice(null, key)).toBeNull();
    expect(cachedChoice('{"key":', key)).toBeNull();
    expect(cachedChoice(JSON.stringify({ key, choice: { backend: 'tpu' } }), key)).toBeNull();
    expect(
      cachedChoice(JSON.stringify({ key, choice: { ...CHOICE, backend: 'webgl' } }), key),
    ).toBeNull();
  });
});

describe('rankTrials', () => {
  it('picks the fastest agreeing backend and names every other time and failure', () => {
    const choice = rankTrials([
      { backend: 'cpu', ms: 310.4, loss: 2.0794 },
      { backend: 'wasm', ms: 96.6, loss: 2.07941 },
      { backend: 'webgpu', error: 'no probe step within 6 s' },
    ]);
    expect(choice.backend).toBe('wasm');
    expect(choice.reason).toBe(
      'a probe training step took 97 ms on wasm (310 ms on cpu); webgpu: no probe step within 6 s',
    );
  });

  it('drops a fast backend whose loss disagrees with the reference, keeping the input as it was', () => {
    const trials = [
      { backend: 'cpu', ms: 300, loss: 2.0794 },
      { backend: 'webgpu', ms: 5, loss: 2.5 },
      { backend: 'wasm', ms: Infinity, loss: NaN },
    ];
    const choice = rankTrials(trials);
    expect(choice.backend).toBe('cpu');
    expect(choice.trials[1]).toEqual({
      backend: 'webgpu',
      loss: 2.5,
      error: "loss 2.5 differs from cpu's 2.0794",
    });
    expect(choice.trials[2].error).toBe("loss NaN differs from cpu's 2.0794");
    expect(trials[1].ms).toBe(5);
  });

  it('refuses when no backend trained', () => {
    expect(() => rankTrials([{ backend: 'cpu', error: 'could not be initialised here' }])).toThrow(
      'no TensorFlow.js backend can train here',
    );
  });
});
