import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import type { SentenceModel } from '../../../src/lib/model/folder.ts';
import { lossAndGrads, type ColumnBatch } from '../../../src/lib/train/step.ts';
import { reference } from '../model/reference.ts';
import { gradientNorms, REFERENCE_STEP as opts, referenceBatch } from './reference-batch.ts';

let model: SentenceModel;
let batch: ColumnBatch;

beforeAll(async () => {
  ({ model, batch } = await referenceBatch());
});

describe('MNRL loss and gradients on the reference batch', () => {
  it('loss within 1e-5 and every gradient norm within 1e-4 relative of PyTorch', async () => {
    const encoder = new SentenceEncoder(model);
    const { loss, grads } = await lossAndGrads(encoder, batch, opts);
    expect(Math.abs(loss - reference.first_batch.loss)).toBeLessThan(1e-5);
    const got = await gradientNorms(grads);
    // The pooler gets no gradient (null in the reference): sentence embeddings never read it.
    const expected = Object.entries(reference.first_batch.grad_norms).filter(
      (e): e is [string, number] => e[1] !== null,
    );
    expect(expected.length).toBe(37);
    expect(got.has('pooler.dense.weight')).toBe(false);
    expect([...got.keys()].sort()).toEqual(expected.map(([n]) => n).sort());
    for (const [name, ref] of expected) {
      const g = got.get(name)!;
      // The key bias has a true gradient of exactly 0 (softmax ignores a constant per row): float noise only.
      if (name.endsWith('attention.self.key.bias')) expect(g, name).toBeLessThan(1e-6);
      else expect(Math.abs(g - ref) / ref, name).toBeLessThan(1e-4);
    }
    encoder.dispose();
  });

  it('GradCache with mini-batch 2 gives the loss and gradients of the full batch', async () => {
    const encoder = new SentenceEncoder(model);
    const full = await lossAndGrads(encoder, batch, opts);
    const cached = await lossAndGrads(encoder, batch, { ...opts, miniBatch: 2 });
    expect(Math.abs(cached.loss - full.loss)).toBeLessThan(1e-6);
    for (const [name, g] of full.grads) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(g, cached.grads.get(name)!))).dataSync()[0]);
      expect(diff, name).toBeLessThan(1e-6);
    }
    [...full.grads.values(), ...cached.grads.values()].forEach((g) => g.dispose());
    encoder.dispose();
  });

  it('one encoder pass over all columns gives the loss and gradients of a pass per column', async () => {
    const encoder = new SentenceEncoder(model);
    const perColumn = await lossAndGrads(encoder, batch, { ...opts, columnsInOnePass: false });
    const onePass = await lossAndGrads(encoder, batch, { ...opts, columnsInOnePass: true });
    expect(Math.abs(onePass.loss - perColumn.loss)).toBeLessThan(1e-6);
    expect(onePass.tokens).toBe(perColumn.tokens);
    expect([...onePass.grads.keys()].sort()).toEqual([...perColumn.grads.keys()].sort());
    for (const [name, g] of perColumn.grads) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(g, onePass.grads.get(name)!))).dataSync()[0]);
      expect(diff, name).toBeLessThan(1e-6);
    }
    [...perColumn.grads.values(), ...onePass.grads.values()].forEach((g) => g.dispose());
    encoder.dispose();
  });

  it('symmetric MNRL averages the forward loss with the positives-to-anchors loss', async () => {
    const encoder = new SentenceEncoder(model);
    const sym = await lossAndGrads(encoder, batch, { ...opts, symmetric: true });
    // Backward term from the reference scores: row j of the positives block, transposed.
    const s = reference.first_batch.scores;
    let backward = 0;
    for (let j = 0; j < 8; j++) {
      const col = s.map((row) => row[j]);
      const max = Math.max(...col);
      const lse = max + Math.log(col.reduce((a, v) => a + Math.exp(v - max), 0));
      backward += lse - col[j];
    }
    backward /= 8;
    expect(Math.abs(sym.loss - (reference.first_batch.loss + backward) / 2)).toBeLessThan(1e-5);
    sym.grads.forEach((g) => g.dispose());
    encoder.dispose();
  });

  it('leaves no tensor behind', async () => {
    const encoder = new SentenceEncoder(model);
    const before = tf.memory().numTensors;
    for (const miniBatch of [null, 3]) {
      const r = await lossAndGrads(encoder, batch, { ...opts, miniBatch, training: true });
      r.grads.forEach((g) => g.dispose());
    }
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
  });
});
