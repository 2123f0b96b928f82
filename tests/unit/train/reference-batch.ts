import * as tf from '@tensorflow/tfjs';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import type { ColumnBatch, StepOptions } from '../../../src/lib/train/step.ts';
import { fixturePairs, TINY_BERT } from '../model/reference.ts';

/** The step the reference's first batch was computed with: MNRL at scale 20, no dropout. */
export const REFERENCE_STEP: StepOptions = {
  scale: 20,
  symmetric: false,
  training: false,
  dropoutSeed: 1,
  miniBatch: null,
};

/** The tiny BERT on the CPU backend, and the reference's first batch: 8 (query, positive, negative). */
export async function referenceBatch(): Promise<{ model: SentenceModel; batch: ColumnBatch }> {
  await tf.setBackend('cpu');
  const model = await loadSentenceModel(directorySource(TINY_BERT));
  const rows = fixturePairs().slice(0, 8);
  const batch = {
    columns: [rows.map((r) => r.query), rows.map((r) => r.positive), rows.map((r) => r.negative)],
  };
  return { model, batch };
}

/** Each gradient's L2 norm by parameter name; the gradients are disposed. */
export async function gradientNorms(grads: Map<string, tf.Tensor>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, g] of grads) {
    const n = tf.norm(g);
    out.set(name, (await n.data())[0]);
    n.dispose();
    g.dispose();
  }
  return out;
}
