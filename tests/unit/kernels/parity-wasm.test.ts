import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import { lossAndGrads } from '../../../src/lib/train/step.ts';
import { Trainer, withDropout } from '../../../src/lib/train/trainer.ts';
import {
  fixturePairs,
  fixtureTrainingPairs,
  reference,
  REFERENCE_RUN,
  TINY_BERT,
} from '../model/reference.ts';
import { useBackend, WASM_THREADS } from './routes.ts';

/**
 * The parity tests of tests/unit/model and tests/unit/train, on the wasm backend: every kernel
 * of ours on the path (scatter-add embedding gradient, fused linear, attention, LayerNorm, GELU,
 * AdamW) against the PyTorch reference, with the same tolerances as on cpu; on one thread and on
 * every core (tfjs's threaded build).
 */
let model: SentenceModel;
const rows = fixturePairs();

beforeAll(async () => {
  model = await loadSentenceModel(directorySource(TINY_BERT));
});

describe.each(WASM_THREADS)('the tiny fixture on %s', (backend) => {
  it('embeds, scores and differentiates the reference batch as sentence-transformers', async () => {
    await useBackend(backend);
    const encoder = new SentenceEncoder(model);
    const batch = rows.slice(0, 8);
    const emb = await encoder.embed(
      batch.map((r) => r.query),
      { pad: 'longest' },
    );
    let diff = 0;
    emb.forEach((e, i) =>
      e.forEach(
        (v, d) =>
          (diff = Math.max(diff, Math.abs(v - reference.first_batch.embeddings.query[i][d]))),
      ),
    );
    expect(diff).toBeLessThan(1e-5);

    const { loss, grads } = await lossAndGrads(
      encoder,
      {
        columns: [
          batch.map((r) => r.query),
          batch.map((r) => r.positive),
          batch.map((r) => r.negative),
        ],
      },
      { scale: 20, symmetric: false, training: false, dropoutSeed: 1, miniBatch: null },
    );
    expect(Math.abs(loss - reference.first_batch.loss)).toBeLessThan(1e-5);
    for (const [name, want] of Object.entries(reference.first_batch.grad_norms)) {
      if (want === null) continue;
      const got = tf.tidy(() => tf.norm(grads.get(name)!).dataSync()[0]);
      if (name.endsWith('attention.self.key.bias')) expect(got, name).toBeLessThan(1e-6);
      else expect(Math.abs(got - want) / want, name).toBeLessThan(1e-4);
    }
    grads.forEach((g) => g.dispose());
    encoder.dispose();
  });

  it('reproduces six AdamW steps of sentence-transformers', async () => {
    await useBackend(backend);
    const pairs = fixtureTrainingPairs();
    const config = resolveTrainConfig(REFERENCE_RUN);
    const encoder = new SentenceEncoder(withDropout(model, 0));
    const trainer = new Trainer(encoder, pairs, config);
    const losses: number[] = [];
    while (!trainer.done) losses.push((await trainer.trainStep()).loss);
    losses.forEach((l, i) =>
      expect(Math.abs(l - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-5),
    );
    const weights = await encoder.exportWeights();
    for (const [name, ref] of Object.entries(reference.final_params)) {
      const want = (ref.values as number[] | number[][]).flat() as number[];
      const got = weights.get(name)!.data;
      let diff = 0;
      for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
      expect(diff, name).toBeLessThan(name.endsWith('attention.self.key.bias') ? 1e-3 : 1e-4);
    }
    trainer.dispose();
    encoder.dispose();
  });
});
