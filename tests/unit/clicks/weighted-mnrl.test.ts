import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import type { SentenceModel } from '../../../src/lib/model/folder.ts';
import { mnrlLoss } from '../../../src/lib/train/losses/mnrl.ts';
import { lossAndGrads, type ColumnBatch } from '../../../src/lib/train/step.ts';
import { reference } from '../model/reference.ts';
import { gradientNorms, REFERENCE_STEP as opts, referenceBatch } from '../train/reference-batch.ts';

let model: SentenceModel;
let batch: ColumnBatch;

beforeAll(async () => {
  ({ model, batch } = await referenceBatch());
});

/** The three columns of `batch` embedded once, without dropout: [B, D] each. */
async function embedded(encoder: SentenceEncoder): Promise<tf.Tensor2D[]> {
  return batch.columns.map((texts) =>
    encoder.embedBatch(encoder.tokenize(texts), { training: false, nextSeed: () => 0 }),
  );
}

const value = async (t: tf.Scalar) => {
  const v = (await t.data())[0];
  t.dispose();
  return v;
};

describe('weighted MNRL', () => {
  it('with every weight 1 gives the plain loss and the same gradients', async () => {
    const encoder = new SentenceEncoder(model);
    const plain = await lossAndGrads(encoder, batch, opts);
    const ones = await lossAndGrads(encoder, { ...batch, weights: Array(8).fill(1) }, opts);
    // The plain loss is the reference's: sentence-transformers' MNRL on this batch.
    expect(Math.abs(plain.loss - reference.first_batch.loss)).toBeLessThan(1e-5);
    expect(ones.loss).toBeCloseTo(plain.loss, 6);
    const a = await gradientNorms(plain.grads);
    const b = await gradientNorms(ones.grads);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, n] of a)
      expect(Math.abs(b.get(name)! - n), name).toBeLessThan(1e-6 * n + 1e-9);
    encoder.dispose();
  });

  it('scales each anchor’s term by its weight and divides by the weight sum', async () => {
    const encoder = new SentenceEncoder(model);
    const [anchors, ...candidates] = await embedded(encoder);
    // ℓ_i, the anchor-i term −log softmax(s_i)_i, is the loss with weight 1 on anchor i alone.
    const terms: number[] = [];
    for (let i = 0; i < 8; i++) {
      const onlyI = tf
        .oneHot(tf.tensor1d([i], 'int32'), 8)
        .reshape([8])
        .cast('float32');
      terms.push(
        await value(mnrlLoss(anchors, candidates, { scale: 20, weights: onlyI as tf.Tensor1D })),
      );
      onlyI.dispose();
    }
    // The plain loss is their mean.
    const plain = await value(mnrlLoss(anchors, candidates, { scale: 20 }));
    expect(plain).toBeCloseTo(terms.reduce((a, b) => a + b) / 8, 5);

    const w = [1, 2, 3, 4, 0.5, 10, 1, 2.5];
    const weights = tf.tensor1d(w);
    const weighted = await value(mnrlLoss(anchors, candidates, { scale: 20, weights }));
    const expected = w.reduce((s, wi, i) => s + wi * terms[i], 0) / w.reduce((a, b) => a + b);
    expect(weighted).toBeCloseTo(expected, 5);
    expect(Math.abs(weighted - plain)).toBeGreaterThan(0.01);
    weights.dispose();
    [anchors, ...candidates].forEach((t) => t.dispose());
    encoder.dispose();
  });
});
