import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import type { SentenceModel } from '../../../src/lib/model/folder.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import { lossAndGrads, type ColumnBatch } from '../../../src/lib/train/step.ts';
import { modelForRun, Trainer, WORD_EMBEDDINGS } from '../../../src/lib/train/trainer.ts';
import { fixtureTrainingPairs } from '../model/reference.ts';
import { REFERENCE_STEP, referenceBatch } from './reference-batch.ts';

let model: SentenceModel;
let batch: ColumnBatch;

beforeAll(async () => {
  ({ model, batch } = await referenceBatch());
});

async function values(grads: Map<string, tf.Tensor>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, g] of grads) {
    out.set(name, (await g.data()) as Float32Array);
    g.dispose();
  }
  return out;
}

describe('memory savers give the same numbers', () => {
  it('gradient checkpointing (recompute per layer) gives the gradients of the plain tape, dropout on', async () => {
    const encoder = new SentenceEncoder(modelForRun(model, resolveTrainConfig({ dropout: 0.1 })));
    const opts = { ...REFERENCE_STEP, training: true, dropoutSeed: 9 };
    for (const miniBatch of [null, 3]) {
      const plain = await lossAndGrads(encoder, batch, { ...opts, miniBatch });
      encoder.recompute = true;
      const before = tf.memory().numTensors;
      const recomputed = await lossAndGrads(encoder, batch, { ...opts, miniBatch });
      encoder.recompute = false;
      expect(recomputed.loss).toBe(plain.loss);
      const a = await values(plain.grads);
      const b = await values(recomputed.grads);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [name, g] of a) {
        let d = 0;
        const h = b.get(name)!;
        for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - h[i]));
        expect(d, name).toBeLessThan(1e-6);
      }
      expect(tf.memory().numTensors).toBe(before - a.size);
    }
    encoder.dispose();
  });

  it('frozen word embeddings get no gradient, no optimizer state and stay as they were', async () => {
    const config = resolveTrainConfig({ steps: 2, batchSize: 4, lr: 1e-3, freezeEmbeddings: true });
    const encoder = new SentenceEncoder(modelForRun(model, config));
    const trainer = new Trainer(encoder, fixtureTrainingPairs(), config);
    await trainer.trainStep();
    await trainer.trainStep();
    const state = await trainer.snapshot();
    expect(state.adam.moments.has(WORD_EMBEDDINGS)).toBe(false);
    expect(state.adam.moments.size).toBe(36);
    const weights = await encoder.exportWeights();
    expect(Array.from(weights.get(WORD_EMBEDDINGS)!.data)).toEqual(
      Array.from(model.weights.get(WORD_EMBEDDINGS)!.data),
    );
    const changed = (name: string) =>
      weights.get(name)!.data.some((v, i) => v !== model.weights.get(name)!.data[i]);
    expect(changed('embeddings.position_embeddings.weight')).toBe(true);
    expect(changed('encoder.layer.0.attention.self.query.weight')).toBe(true);
    trainer.dispose();
    encoder.dispose();
  });

  it('max tokens truncates below the model limit and refuses more than its positions', () => {
    const short = modelForRun(model, resolveTrainConfig({ maxSeqLength: 8 }));
    expect(short.maxSeqLength).toBe(8);
    const encoder = new SentenceEncoder(short);
    const t = encoder.tokenize(['How do I reset my password and my username too?']);
    expect(t.length).toBe(8);
    encoder.dispose();
    expect(() => modelForRun(model, resolveTrainConfig({ maxSeqLength: 65 }))).toThrow(
      /above the model's limit of 64 tokens/,
    );
  });
});
