import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { addLayerNorm } from '../../../src/lib/kernels/index.ts';
import { dropoutScales } from '../../../src/lib/kernels/dropout.ts';
import type { DropoutSite } from '../../../src/lib/kernels/layer-norm.ts';
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

/** LayerNorm(x + r) through the fused kernel, over plain tensors (as `outcome` differentiates). */
const addNorm =
  (dropIn: DropoutSite | null = null, dropOut: DropoutSite | null = null) =>
  (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    addLayerNorm(
      x as tf.Tensor2D,
      r as tf.Tensor2D,
      g as tf.Tensor1D,
      b as tf.Tensor1D,
      EPS,
      dropIn,
      dropOut,
    );

describe.each([...BACKENDS, ...WEBGPU_FORMS])('addLayerNorm on %s', (backend) => {
  it.each([
    {
      what: 'LayerNorm(x + r) and its gradients equal tf.moments’ composition',
      rows: 12,
      cols: 32,
      resRows: 12,
      seed: 1,
      xScale: 3,
      tolerance: 2e-5,
    },
    {
      what: 'broadcasts an [L, H] residual over the batch and sums its gradient back',
      rows: 3 * 5,
      cols: 8,
      resRows: 5,
      seed: 5,
      xScale: 1,
      tolerance: 2e-5,
    },
    {
      // 150 rows: three of the webgpu kernel's 64-row chunks, the last one partial.
      what: 'sums dγ, dβ and a broadcast residual’s gradient over more rows than one partial sum takes',
      rows: 150,
      cols: 24,
      resRows: 30,
      seed: 13,
      xScale: 1,
      tolerance: 5e-5,
    },
  ])('$what', async ({ rows, cols, resRows, seed, xScale, tolerance }) => {
    await useBackend(backend);
    const x = randn([rows, cols], seed, xScale);
    const r = randn([resRows, cols], seed + 1);
    const gamma = randn([cols], seed + 2);
    const beta = randn([cols], seed + 3);
    await expectSameAsStock(addNorm(), [x, r, gamma, beta], tolerance);
    expect(await kernelsUsed(addNorm(), [x, r, gamma, beta])).toContain('AttuneAddLayerNormGrad');
    tf.dispose([x, r, gamma, beta]);
  });

  it('folds dropout before the add and after the norm with the masks of dropout.ts', async () => {
    await useBackend(backend);
    const shape: [number, number] = [10, 16];
    const x = randn(shape, 9);
    const r = randn(shape, 10);
    const gamma = randn([16], 11);
    const beta = randn([16], 12);
    const fused = addNorm({ rate: 0.25, seed: 17 }, { rate: 0.1, seed: 23 });
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
