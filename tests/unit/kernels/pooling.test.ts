import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { pool } from '../../../src/lib/model/pooling.ts';
import { BACKENDS, expectSameAsStock, kernelsUsed, randn, SUITE, useBackend } from './routes.ts';

/** Three sequences of 7 tokens: 7, 3 and 1 real tokens, then padding. */
const maskRows = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 0, 0, 0, 0],
  [1, 0, 0, 0, 0, 0, 0],
];

describe.each([...BACKENDS, 'webgpu'])('fused mean pooling on %s', SUITE, (backend) => {
  it('the mean over real tokens and its gradient equal the stock chain', async () => {
    await useBackend(backend);
    const tokens = randn([3, 7, 5], 1);
    const mask = tf.tensor2d(maskRows, [3, 7], 'int32');
    const f = (t: tf.Tensor) => pool(t as tf.Tensor3D, mask, 'mean');
    await expectSameAsStock(f, [tokens], 1e-6);
    const used = await kernelsUsed(f, [tokens]);
    expect(used).toEqual(expect.arrayContaining(['AttuneMeanPool', 'AttuneMeanPoolGrad']));
    expect(used).not.toContain('BatchMatMul');
    tf.dispose([tokens, mask]);
  });

  it('a sequence of one real token pools to that token, whatever the padding holds', async () => {
    await useBackend(backend);
    const tokens = randn([3, 7, 5], 2);
    const mask = tf.tensor2d(maskRows, [3, 7], 'int32');
    const pooled = pool(tokens as tf.Tensor3D, mask, 'mean');
    const want = (await tokens.array()) as number[][][];
    expect(Array.from((await pooled.data()).slice(10, 15))).toEqual(want[2][0].map(Math.fround));
    tf.dispose([tokens, mask, pooled]);
  });
});
