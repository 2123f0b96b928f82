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

async function clipOn(route: KernelRoute, grads: Map<string, tf.Tensor>, maxNorm: number) {
  setKernelRoute(route);
  try {
    return await clipGradNorm(grads, maxNorm);
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

  it('gives the factor maxNorm / (norm + 1e-6) in float32, as torch does, on both routes', async () => {
    await useBackend(backend);
    const f32 = Math.fround;
    const norms: number[] = [];
    for (const route of ['attune', 'stock'] as const) {
      const grads = gradients();
      const before = tf.memory().numTensors;
      const { norm, factor } = await clipOn(route, grads, 1);
      expect(norm, route).toBeGreaterThan(1);
      expect(factor, route).toBe(f32(1 / f32(norm + f32(1e-6))));
      // Nothing made, nothing replaced: the product is AdamW's.
      expect(tf.memory().numTensors, route).toBe(before);
      expect([...grads.values()].every((g) => !g.isDisposed)).toBe(true);
      norms.push(norm);
      tf.dispose([...grads.values()]);
    }
    expect(Math.abs(norms[0] - norms[1]) / norms[1]).toBeLessThan(1e-6);
  });

  it('gives the factor 1 below the limit or with clipping off', async () => {
    await useBackend(backend);
    for (const maxNorm of [1e3, 0]) {
      const grads = gradients();
      const { factor } = await clipGradNorm(grads, maxNorm);
      expect(factor, `maxNorm ${maxNorm}`).toBe(1);
      tf.dispose([...grads.values()]);
    }
  });
});
