import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { linear, linear3 } from '../../../src/lib/kernels/index.ts';
import {
  WASM_THREADS,
  WEBGPU_FORMS,
  expectSameAsStock,
  kernelsUsed,
  randn,
  useBackend,
} from './routes.ts';

describe.each(['cpu', ...WASM_THREADS, ...WEBGPU_FORMS])('linear on %s', (backend) => {
  // On wasm the small layer runs on the SIMD gemm, the one over 2²⁰ multiply-adds on XNNPACK.
  it.each([
    [37, 24, 19],
    [260, 64, 72],
  ])(
    'x[%i, %i]·Wᵀ[·, %i] + b and its gradients equal matMul(x, W, false, true) + b',
    async (n, k, o) => {
      await useBackend(backend);
      const x = randn([n, k], 1);
      const w = randn([o, k], 2);
      const b = randn([o], 3);
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D);
      await expectSameAsStock(f, [x, w, b], 1e-4);
      const used = await kernelsUsed(f, [x, w, b]);
      expect(used).toContain('AttuneLinear');
      expect(used).toContain('AttuneLinearGrad');
      expect(used).not.toContain('BatchMatMul');
      tf.dispose([x, w, b]);
    },
  );

  it('three layers over one input give each layer and the summed input gradient', async () => {
    await useBackend(backend);
    const x = randn([20, 16], 4);
    const ws = [5, 6, 7].map((s) => randn([16, 16], s));
    const bs = [8, 9, 10].map((s) => randn([16], s));
    const f = (x: tf.Tensor, ...p: tf.Tensor[]) => {
      const [q, k, v] = linear3(x as tf.Tensor2D, [
        [p[0] as tf.Tensor2D, p[1] as tf.Tensor1D],
        [p[2] as tf.Tensor2D, p[3] as tf.Tensor1D],
        [p[4] as tf.Tensor2D, p[5] as tf.Tensor1D],
      ]);
      // Weight the outputs differently so each layer's gradient is checked on its own.
      return tf.concat([q, tf.mul(k, 2), tf.mul(v, -3)], 1);
    };
    const inputs = [x, ws[0], bs[0], ws[1], bs[1], ws[2], bs[2]];
    await expectSameAsStock(f, inputs, 1e-4);
    expect(await kernelsUsed(f, inputs)).toContain('AttuneLinear3');
    tf.dispose(inputs);
  });
});
