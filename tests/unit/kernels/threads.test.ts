import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adamwUpdate,
  addLayerNorm,
  gelu,
  linear3,
  selfAttention,
  type AdamWSlot,
} from '../../../src/lib/kernels/index.ts';
import { kernelPool, kernelThreads } from '../../../src/lib/kernels/threads/pool.ts';
import { startKernelThreads } from '../../../src/lib/kernels/threads/start.ts';
import { maxAbsDiff, outcome, randn, SUITE, useBackend } from './routes.ts';

/**
 * Our typed-array kernels split over the threads of tfjs's threaded wasm build
 * (src/lib/kernels/threads/pool.ts) must give the very numbers of one thread: each item is
 * computed as one thread computes it, and every sum over items keeps one thread's order. Three
 * threads, so that the items split unevenly; each case is large enough to be split (the split
 * counter shows it was).
 */
const THREADS = 3;

const cases: Record<string, () => Promise<Float32Array[]>> = {
  async 'GELU and its gradient'() {
    const r = await outcome('attune', (x) => gelu(x), [randn([600, 240], 1)]);
    return [r.value, ...r.grads];
  },
  async 'LayerNorm(dropout(x) + r) with dropout after, and its gradients'() {
    const inputs = [randn([700, 64], 2), randn([700, 64], 3), randn([64], 4), randn([64], 5)];
    const f = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      addLayerNorm(
        x as tf.Tensor2D,
        r as tf.Tensor2D,
        g as tf.Tensor1D,
        b as tf.Tensor1D,
        1e-12,
        { rate: 0.1, seed: 11 },
        { rate: 0.2, seed: 12 },
      );
    const r = await outcome('attune', f, inputs);
    return [r.value, ...r.grads];
  },
  async 'LayerNorm with a [L, H] residual broadcast over 9 sequences, and its gradients'() {
    // 40 columns: the last column group is partial.
    const inputs = [randn([9 * 100, 40], 6), randn([100, 40], 7), randn([40], 8), randn([40], 9)];
    const f = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      addLayerNorm(x as tf.Tensor2D, r as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-12);
    const r = await outcome('attune', f, inputs);
    return [r.value, ...r.grads];
  },
  async 'attention with dropout, and its gradients'() {
    const B = 5;
    const L = 32;
    const inputs = [randn([B * L, 64], 10), randn([B * L, 64], 11), randn([B * L, 64], 12)];
    const keep = [32, 5, 17, 30, 1];
    const mask = tf.tensor4d(
      Array.from({ length: B * L }, (_, i) => (i % L < keep[Math.floor(i / L)] ? 0 : -1e9)),
      [B, 1, 1, L],
    );
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      selfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, {
        heads: 4,
        dropout: { rate: 0.1, seed: 13 },
      });
    const r = await outcome('attune', f, inputs);
    mask.dispose();
    return [r.value, ...r.grads];
  },
  async 'two AdamW steps, decayed, with a clipping factor'() {
    const param = tf.variable(randn([250, 200], 14));
    const m = tf.variable(tf.zerosLike(param), false);
    const v = tf.variable(tf.zerosLike(param), false);
    for (let step = 1; step <= 2; step++) {
      const grad = randn(param.shape, 20 + step);
      const slot: AdamWSlot = { param, grad, m, v, weightDecay: 0.01 };
      adamwUpdate([slot], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-6, step, gradScale: 0.7 });
      grad.dispose();
    }
    const out = (await Promise.all([param, m, v].map((t) => t.data()))) as Float32Array[];
    tf.dispose([param, m, v]);
    return out;
  },
};

describe('kernels split over threads', SUITE, () => {
  const one: Record<string, Float32Array[]> = {};
  beforeAll(async () => {
    await useBackend('wasm');
    expect(kernelThreads()).toBe(1);
    for (const [name, run] of Object.entries(cases)) one[name] = await run();
    await useBackend(`wasm:${THREADS}`);
  }, SUITE.timeout);

  it.each(Object.keys(cases))('%s: the same numbers as on one thread', async (name) => {
    expect(kernelThreads()).toBe(THREADS);
    const pool = kernelPool()!;
    const splitBefore = pool.splitRuns;
    const split = await cases[name]();
    expect(pool.splitRuns).toBeGreaterThan(splitBefore);

    expect(split.length).toBe(one[name].length);
    split.forEach((values, i) => expect(values, `output ${i}`).toEqual(one[name][i]));
  });
});

describe('linear layers on the threaded build', SUITE, () => {
  // 300 × 128 × 96 multiply-adds a layer: over XNNPACK_MIN_MACS, so our gemm runs in place on the
  // heap, split by rows of its output; two thread counts split them at other rows.
  const layers = async () => {
    const x = randn([300, 128], 30);
    const ws = [31, 32, 33].map((seed) => randn([96, 128], seed));
    const bs = [34, 35, 36].map((seed) => randn([96], seed));
    const f = (x: tf.Tensor, w0: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) =>
      tf.concat(
        linear3(x as tf.Tensor2D, [
          [w0 as tf.Tensor2D, bs[0] as tf.Tensor1D],
          [w1 as tf.Tensor2D, bs[1] as tf.Tensor1D],
          [w2 as tf.Tensor2D, bs[2] as tf.Tensor1D],
        ]),
        1,
      );
    const r = await outcome('attune', f, [x, ...ws]);
    tf.dispose([x, ...ws, ...bs]);
    return [r.value, ...r.grads];
  };

  it('give the same numbers on two threads and on three, and the stock ops’ within 1e-4', async () => {
    await useBackend('wasm:2');
    const pool = kernelPool()!;
    const two = await layers();
    expect(pool.splitRuns).toBeGreaterThan(0);
    await useBackend('wasm:3');
    const three = await layers();
    three.forEach((values, i) => expect(values, `output ${i}`).toEqual(two[i]));
    await useBackend('cpu');
    const reference = await layers();
    three.forEach((values, i) =>
      expect(maxAbsDiff(values, reference[i]), `output ${i}`).toBeLessThan(1e-4),
    );
  });
});

describe('a kernel pool that cannot start', SUITE, () => {
  it('leaves the kernels on one thread, at once, whether no thread starts or one fails to load', async () => {
    await useBackend('wasm:2');
    const noThreads = () => {
      throw new Error('no Worker here');
    };
    expect(await startKernelThreads(3, noThreads)).toBe(1);
    expect(kernelPool()).toBeNull();

    const started = Date.now();
    const failing = (failed: () => void) => {
      setTimeout(failed, 10);
      return { postMessage: () => undefined, terminate: () => undefined };
    };
    expect(await startKernelThreads(3, failing)).toBe(1);
    expect(kernelPool()).toBeNull();
    // The helper's failure ends the wait (the pool would otherwise wait 30 s for it).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(kernelThreads()).toBe(1);

    // Asked again for the running thread count, the CLI's start brings the pool back.
    await useBackend('wasm:2');
    expect(kernelThreads()).toBe(2);
  });
});
