import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selfAttention } from '../../../src/lib/kernels/index.ts';
import { dropoutScales } from '../../../src/lib/kernels/dropout.ts';
import {
  WASM_THREADS,
  WEBGPU_FORMS,
  SUITE,
  expectSameAsStock,
  kernelsUsed,
  maxAbsDiff,
  outcome,
  randn,
  useBackend,
} from './routes.ts';

const [B, L, H, HEADS] = [3, 7, 24, 4];

/** Additive key mask `[B, 1, 1, L]` with the last `pad[b]` keys of sequence b padded. */
function maskAdd(pad: number[]): tf.Tensor4D {
  const m = new Float32Array(B * L);
  pad.forEach((p, b) => m.fill(-1e9, b * L + L - p, (b + 1) * L));
  return tf.tensor4d(m, [B, 1, 1, L]);
}

describe.each(['cpu', ...WASM_THREADS, ...WEBGPU_FORMS])(
  'selfAttention on %s',
  SUITE,
  (backend) => {
    it('equals the head-transpose / softmax / matMul chain, padding masked', async () => {
      await useBackend(backend);
      const [q, k, v] = [1, 2, 3].map((s) => randn([B * L, H], s));
      const mask = maskAdd([0, 2, 5]);
      const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        selfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, {
          heads: HEADS,
          dropout: null,
        });
      await expectSameAsStock(f, [q, k, v], 1e-5);
      const used = await kernelsUsed(f, [q, k, v]);
      expect(used).toEqual(expect.arrayContaining(['AttuneAttention', 'AttuneAttentionGrad']));
      expect(used).not.toContain('Transpose');
      tf.dispose([q, k, v, mask]);
    });

    it('spans several row tiles and query blocks (70 tokens), padding masked', async () => {
      await useBackend(backend);
      const [b, l, h, heads] = [2, 70, 16, 2];
      const [q, k, v] = [7, 8, 9].map((s) => randn([b * l, h], s));
      const m = new Float32Array(b * l);
      m.fill(-1e9, b * l - 9);
      const mask = tf.tensor4d(m, [b, 1, 1, l]);
      const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        selfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, {
          heads,
          dropout: null,
        });
      await expectSameAsStock(f, [q, k, v], 1e-5);
      tf.dispose([q, k, v, mask]);
    });

    it('drops attention probabilities with the mask of dropout.ts, forward and backward', async () => {
      await useBackend(backend);
      const [q, k, v] = [4, 5, 6].map((s) => randn([B * L, H], s));
      const mask = maskAdd([1, 0, 3]);
      const dropout = { rate: 0.2, seed: 31 };
      const fused = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        selfAttention(q as tf.Tensor2D, k as tf.Tensor2D, v as tf.Tensor2D, mask, {
          heads: HEADS,
          dropout,
        });
      const scales = new Float32Array(B * HEADS * L * L);
      dropoutScales(dropout.rate, dropout.seed, 0, scales);
      const hd = H / HEADS;
      const explicit = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => {
        const heads = (t: tf.Tensor) =>
          tf.transpose(tf.reshape(t, [B, L, HEADS, hd]), [0, 2, 1, 3]);
        const scores = tf.add(
          tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hd)),
          mask,
        );
        const probs = tf.mul(tf.softmax(scores, -1), tf.tensor4d(scales, [B, HEADS, L, L]));
        return tf.reshape(tf.transpose(tf.matMul(probs, heads(v)), [0, 2, 1, 3]), [B * L, H]);
      };
      const ours = await outcome('attune', fused, [q, k, v]);
      const want = await outcome('stock', explicit, [q, k, v]);
      expect(maxAbsDiff(ours.value, want.value)).toBeLessThan(1e-5);
      ours.grads.forEach((g, i) => expect(maxAbsDiff(g, want.grads[i]), `${i}`).toBeLessThan(1e-5));
      expect(scales.filter((s) => s === 0).length).toBeGreaterThan(50);
      tf.dispose([q, k, v, mask]);
    });
  },
);
