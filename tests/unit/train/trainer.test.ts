import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/lib/train/checkpoint.ts';
import { resolveTrainConfig, type TrainConfig } from '../../../src/lib/train/config.ts';
import { reference, REFERENCE_RUN } from '../model/reference.ts';
import { tinyTrainer, useTinyBert } from './tiny-trainer.ts';

const tiny = useTinyBert();

async function run(config: TrainConfig, stopAt?: number) {
  const { encoder, trainer } = tinyTrainer(tiny, config);
  const losses: number[] = [];
  while (!trainer.done && trainer.step !== stopAt) losses.push((await trainer.trainStep()).loss);
  return { encoder, trainer, losses };
}

describe('Trainer', () => {
  it('reproduces six AdamW steps of sentence-transformers: losses and every parameter', async () => {
    const { encoder, trainer, losses } = await run(resolveTrainConfig(REFERENCE_RUN));
    expect(losses.length).toBe(6);
    losses.forEach((l, i) =>
      expect(Math.abs(l - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-5),
    );
    const weights = await encoder.exportWeights();
    for (const [name, ref] of Object.entries(reference.final_params)) {
      const got = weights.get(name)!;
      expect(got.shape, name).toEqual(ref.shape);
      const want = (ref.values as number[] | number[][]).flat() as number[];
      let diff = 0;
      for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got.data[i] - want[i]));
      // The key bias's true gradient is 0, so Adam amplifies float noise there: 1e-3, as the issue allows.
      const tol = name.endsWith('attention.self.key.bias') ? 1e-3 : 1e-4;
      expect(diff, name).toBeLessThan(tol);
    }
    // The pooler receives no gradient: neither updated nor decayed.
    for (const name of reference.params_unchanged) {
      expect(Array.from(weights.get(name)!.data)).toEqual(
        Array.from(tiny.model.weights.get(name)!.data),
      );
    }
    trainer.dispose();
    encoder.dispose();
  });

  it('a run interrupted at step 3 and resumed from its checkpoint ends with the same weights', async () => {
    const config = resolveTrainConfig({
      steps: 6,
      batchSize: 4,
      lr: 1e-3,
      shuffle: true,
      dropout: 0.1,
      seed: 7,
    });
    const straight = await run(config);
    const straightWeights = await straight.encoder.exportWeights();

    const first = await run(config, 3);
    const bytes = encodeCheckpoint(await first.trainer.snapshot());
    first.trainer.dispose();
    first.encoder.dispose();

    const { encoder, trainer: resumed } = tinyTrainer(tiny, config, decodeCheckpoint(bytes));
    expect(resumed.step).toBe(3);
    const losses = [...first.losses];
    while (!resumed.done) losses.push((await resumed.trainStep()).loss);
    expect(losses).toEqual(straight.losses);
    const weights = await encoder.exportWeights();
    for (const [name, t] of straightWeights) {
      const got = weights.get(name)!.data;
      let diff = 0;
      for (let i = 0; i < t.data.length; i++) diff = Math.max(diff, Math.abs(got[i] - t.data[i]));
      expect(diff, name).toBeLessThan(1e-6);
    }
    for (const x of [resumed, straight.trainer]) x.dispose();
    for (const x of [encoder, straight.encoder]) x.dispose();
  });

  it('returns to the same tensor count after a long loop', async () => {
    const before = tf.memory().numTensors;
    const { encoder, trainer } = await run(
      resolveTrainConfig({ steps: 5, batchSize: 4, miniBatch: 2 }),
    );
    trainer.dispose();
    encoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
