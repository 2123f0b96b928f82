import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { setKernelRoute, type KernelRoute } from '../../../src/lib/kernels/index.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { clipGradNorm } from '../../../src/lib/train/clip.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import { Trainer, withDropout } from '../../../src/lib/train/trainer.ts';
import { BACKENDS, randn, useBackend } from '../kernels/routes.ts';
import { fixtureTrainingPairs, reference, REFERENCE_RUN, TINY_BERT } from '../model/reference.ts';

/** The reference run's per-step global norms (`clip_grad_norm_`'s total_norm, no clipping). */
const referenceSteps = (reference as typeof reference & { steps: { grad_global_norm: number }[] })
  .steps;

let model: SentenceModel;
let pairs: TrainingPair[];

beforeAll(async () => {
  model = await loadSentenceModel(directorySource(TINY_BERT));
  pairs = fixtureTrainingPairs();
});

/** Fresh gradient-like tensors, by name. */
function gradients(): Map<string, tf.Tensor> {
  return new Map([
    ['a.weight', randn([30, 7], 1)],
    ['a.bias', randn([7], 2)],
    ['b.weight', randn([3, 3], 3)],
  ]);
}

async function clipOn(route: KernelRoute, maxNorm: number) {
  setKernelRoute(route);
  try {
    return await clipGradNorm(gradients(), maxNorm);
  } finally {
    setKernelRoute('attune');
  }
}

describe.each(BACKENDS)('clipGradNorm on %s', (backend) => {
  it("reports the reference run's global gradient norm at each of its six steps", async () => {
    await useBackend(backend);
    const config = resolveTrainConfig(REFERENCE_RUN);
    const encoder = new SentenceEncoder(withDropout(model, config.dropout));
    const trainer = new Trainer(encoder, pairs, config);
    for (const { grad_global_norm: want } of referenceSteps) {
      const { gradNorm } = await trainer.trainStep();
      expect(Math.abs(gradNorm - want) / want, `step ${trainer.step}`).toBeLessThan(1e-6);
    }
    trainer.dispose();
    encoder.dispose();
  });

  it('scales every gradient by maxNorm / (norm + 1e-6) in float32, as torch does', async () => {
    await useBackend(backend);
    const f32 = Math.fround;
    for (const route of ['attune', 'stock'] as const) {
      const originals = gradients();
      const { norm, grads } = await clipOn(route, 1);
      const coef = f32(1 / f32(norm + f32(1e-6)));
      expect(norm, route).toBeGreaterThan(1);
      for (const [name, g] of grads) {
        const want = Array.from(originals.get(name)!.dataSync(), (v) => f32(v * coef));
        expect(Array.from(g.dataSync()), `${route} ${name}`).toEqual(want);
      }
      tf.dispose([...originals.values(), ...grads.values()]);
    }
  });

  it('gives the same norm and gradients on both routes and disposes the gradients it replaces', async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const ours = await clipOn('attune', 1);
    const stock = await clipOn('stock', 1);
    expect(Math.abs(ours.norm - stock.norm) / stock.norm).toBeLessThan(1e-6);
    // The norms agree to float32 rounding, so the factors may differ in their last bit.
    for (const [name, g] of ours.grads) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(g, stock.grads.get(name)!))).dataSync()[0]);
      expect(diff, name).toBeLessThan(1e-7);
    }
    expect(tf.memory().numTensors).toBe(before + 6);
    tf.dispose([...ours.grads.values(), ...stock.grads.values()]);
  });

  it('keeps the gradients as they are below the limit or with clipping off', async () => {
    await useBackend(backend);
    for (const maxNorm of [1e3, 0]) {
      const grads = gradients();
      const out = await clipGradNorm(grads, maxNorm);
      expect(out.grads).toBe(grads);
      expect([...out.grads.values()].every((g) => !g.isDisposed)).toBe(true);
      tf.dispose([...grads.values()]);
    }
  });
});
