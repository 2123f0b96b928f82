import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { addLayerNorm } from '../../../src/lib/kernels/index.ts';
import { dropoutScales } from '../../../src/lib/kernels/dropout.ts';
import {
  BACKENDS,
  WEBGPU_FORMS,
  expectSameAsStock,
  kernelsUsed,
  maxAbsDiff,
  outcome,
  randn,
  useBackend,
} from './routes.ts';

const EPS = 1e-12;

/** The dropout mask `dropout.ts` draws for a `[n, h]` tensor, as a tensor. */
function mask(rate: number, seed: number, shape: [number, number]): tf.Tensor2D {
  const scales = new Float32Array(shape[0] * shape[1]);
  dropoutScales(rate, seed, 0, scales);
  return tf.tensor2d(scales, shape);
}

describe.each([...BACKENDS, ...WEBGPU_FORMS])('addLayerNorm on %s', (backend) => {
  it('LayerNorm(x + r) and its gradients equal tf.moments’ composition', async () => {
    await useBackend(backend);
    const x = randn([12, 32], 1, 3);
    const r = randn([12, 32], 2);
    const gamma = randn([32], 3);
    const beta = randn([32], 4);
    const f = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      addLayerNorm(x as tf.Tensor2D, r as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
    await expectSameAsStock(f, [x, r, gamma, beta], 2e-5);
    expect(await kernelsUsed(f, [x, r, gamma, beta])).toContain('AttuneAddLayerNormGrad');
    tf.dispose([x, r, gamma, beta]);
  });

  it('broadcasts an [L, H] residual over the batch and sums its gradient back', async () => {
    await useBackend(backend);
    const x = randn([3 * 5, 8], 5);
    const positions = randn([5, 8], 6);
    const gamma = randn([8], 7);
    const beta = randn([8], 8);
    const f = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      addLayerNorm(x as tf.Tensor2D, r as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
    await expectSameAsStock(f, [x, positions, gamma, beta], 2e-5);
    tf.dispose([x, positions, gamma, beta]);
  });

  it('sums dγ, dβ and a broadcast residual’s gradient over more rows than one partial sum takes', async () => {
    await useBackend(backend);
    // 150 rows: three of the webgpu kernel's 64-row chunks, the last one partial.
    const x = randn([150, 24], 13);
    const positions = randn([30, 24], 14);
    const gamma = randn([24], 15);
    const beta = randn([24], 16);
    const f = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      addLayerNorm(x as tf.Tensor2D, r as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
    await expectSameAsStock(f, [x, positions, gamma, beta], 5e-5);
    tf.dispose([x, positions, gamma, beta]);
  });

  it('folds dropout before the add and after the norm with the masks of dropout.ts', async () => {
    await useBackend(backend);
    const shape: [number, number] = [10, 16];
    const x = randn(shape, 9);
    const r = randn(shape, 10);
    const gamma = randn([16], 11);
    const beta = randn([16], 12);
    const fused = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      addLayerNorm(
        x as tf.Tensor2D,
        r as tf.Tensor2D,
        g as tf.Tensor1D,
        b as tf.Tensor1D,
        EPS,
        { rate: 0.25, seed: 17 },
        { rate: 0.1, seed: 23 },
      );
    // The same maths as explicit multiplications by those masks, through the stock chain.
    const explicit = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const y = addLayerNorm(
        tf.mul(x, mask(0.25, 17, shape)) as tf.Tensor2D,
        r as tf.Tensor2D,
        g as tf.Tensor1D,
        b as tf.Tensor1D,
        EPS,
      );
      return tf.mul(y, mask(0.1, 23, shape));
    };
    const ours = await outcome('attune', fused, [x, r, gamma, beta]);
    const want = await outcome('stock', explicit, [x, r, gamma, beta]);
    expect(maxAbsDiff(ours.value, want.value)).toBeLessThan(2e-5);
    ours.grads.forEach((g, i) => expect(maxAbsDiff(g, want.grads[i]), `${i}`).toBeLessThan(2e-5));
    // Both masks really drop something.
    expect(Array.from(ours.value).filter((v) => v === 0).length).toBeGreaterThan(5);
    tf.dispose([x, r, gamma, beta]);
  });
});
