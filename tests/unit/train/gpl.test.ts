import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { CrossEncoder } from '../../../src/lib/model/cross-encoder.ts';
import { loadCrossEncoderModel } from '../../../src/lib/model/cross-encoder-folder.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { resolveTrainConfig, type TrainConfig } from '../../../src/lib/train/config.ts';
import { crossEncoderMargins, scoreColumnMargins } from '../../../src/lib/train/gpl-labels.ts';
import { Trainer, withDropout } from '../../../src/lib/train/trainer.ts';
import { maxAbsDiff, useBackend } from '../kernels/routes.ts';
import { crossReference, TINY_CROSS_ENCODER } from '../model/cross-encoder-reference.ts';
import { fixtureTrainingPairs, REFERENCE_RUN, TINY_BERT } from '../model/reference.ts';

const gpl = crossReference.gpl;
let model: SentenceModel;
let rows: TrainingPair[];

beforeAll(async () => {
  await useBackend('cpu');
  model = await loadSentenceModel(directorySource(TINY_BERT));
  rows = fixtureTrainingPairs().slice(0, gpl.rows);
});

/** One MarginMSE step on the rows labelled with the reference's margins: its loss and the weights after it. */
async function marginMseStep(settings: Partial<TrainConfig>) {
  const labelled = rows.map((r, i) => ({ ...r, labels: [gpl.labels[i]] }));
  const config = resolveTrainConfig({
    ...REFERENCE_RUN,
    steps: 1,
    batchSize: gpl.rows,
    loss: 'margin-mse',
    ...settings,
  });
  const encoder = new SentenceEncoder(withDropout(model, config.dropout));
  const trainer = new Trainer(encoder, labelled, config);
  const { loss } = await trainer.trainStep();
  const weights = await encoder.exportWeights();
  trainer.dispose();
  encoder.dispose();
  return { loss, weights };
}

describe('GPL labels and MarginMSE', () => {
  it('labels rows with the cross-encoder logit margins CE(q, p) − CE(q, n) of the reference', async () => {
    const ce = new CrossEncoder(await loadCrossEncoderModel(directorySource(TINY_CROSS_ENCODER)));
    const labelled = await crossEncoderMargins(ce, rows);
    ce.dispose();
    expect(
      maxAbsDiff(
        labelled.map((r) => r.labels![0]),
        gpl.labels,
      ),
    ).toBeLessThan(1e-5);
  });

  it('matches MarginMSELoss on dot products: the loss and every parameter after one AdamW step', async () => {
    const { loss, weights } = await marginMseStep({});
    expect(Math.abs(loss - gpl.loss)).toBeLessThan(1e-5);
    for (const [name, ref] of Object.entries(gpl.params_after_one_step)) {
      // The key bias's true gradient is 0: Adam's first step turns float noise into ±lr there.
      const tol = name.endsWith('attention.self.key.bias') ? 2e-3 : 5e-6;
      expect(maxAbsDiff(weights.get(name)!.data, ref.values), name).toBeLessThan(tol);
    }
  });

  it('gives the same step with GradCache (mini-batch 3)', async () => {
    const { loss, weights } = await marginMseStep({ miniBatch: 3 });
    expect(Math.abs(loss - gpl.loss)).toBeLessThan(1e-5);
    const name = 'encoder.layer.1.output.dense.weight';
    expect(
      maxAbsDiff(weights.get(name)!.data, gpl.params_after_one_step[name].values),
    ).toBeLessThan(5e-6);
  });

  it('takes the margin from a score column for one negative, and refuses rows without one', () => {
    const scored = rows.slice(0, 2).map((r, i) => ({ ...r, score: [1.5, -0.25][i] }));
    expect(scoreColumnMargins(scored).map((r) => r.labels)).toEqual([[1.5], [-0.25]]);
    expect(() => scoreColumnMargins(rows.slice(0, 1))).toThrow(
      'row 1 needs a score and exactly one negative to be a MarginMSE label',
    );
  });

  it('refuses MarginMSE on rows without labels', () => {
    const config = resolveTrainConfig({ ...REFERENCE_RUN, loss: 'margin-mse' });
    const encoder = new SentenceEncoder(model);
    expect(() => new Trainer(encoder, rows, config)).toThrow(
      'MarginMSE needs a teacher margin for every row',
    );
    encoder.dispose();
  });
});
