import * as tf from '@tensorflow/tfjs';
import type { SentenceEncoder } from '../model/encoder.ts';
import { lossAndGrads, type ColumnBatch } from './step.ts';

export interface ProbeResult {
  loss: number;
  /** L2 norm of each parameter's gradient, by HF name. */
  gradNorms: Record<string, number>;
  milliseconds: number;
}

/**
 * One MNRL forward + backward without an update, dropout off: how long a step takes on this
 * backend, and what it computes (checked against the reference by the parity tests).
 */
export async function probeTrainingStep(
  encoder: SentenceEncoder,
  batch: ColumnBatch,
  scale = 20,
): Promise<ProbeResult> {
  const started = performance.now();
  const { loss, grads } = await lossAndGrads(encoder, batch, {
    scale,
    symmetric: false,
    training: false,
    dropoutSeed: 0,
    miniBatch: null,
  });
  const names = [...grads.keys()];
  const norms = tf.tidy(() => tf.stack(names.map((n) => tf.norm(grads.get(n)!))));
  const values = await norms.data();
  const milliseconds = performance.now() - started;
  norms.dispose();
  grads.forEach((g) => g.dispose());
  return { loss, gradNorms: Object.fromEntries(names.map((n, i) => [n, values[i]])), milliseconds };
}
