import type * as tf from '@tensorflow/tfjs';
import { chunksOf } from '../kernels/chunks.ts';
import { globalNorm, scaleAll } from '../kernels/index.ts';

/**
 * `torch.nn.utils.clip_grad_norm_`: the global L2 norm over all gradients (the norm of the
 * per-parameter norms); when it exceeds `maxNorm`, every gradient is scaled by
 * coef = maxNorm / (norm + 1e-6), computed in float32 as torch computes it. Returns the norm
 * before clipping and the (possibly new) gradients; replaced tensors are disposed run by run, so
 * no more than one run (≤ 16M values) exists twice at once, never a second copy of every gradient.
 */
export async function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ norm: number; grads: Map<string, tf.Tensor> }> {
  const normTensor = globalNorm([...grads.values()]);
  const norm = (await normTensor.data())[0];
  normTensor.dispose();
  const f32 = Math.fround;
  const coef = f32(f32(maxNorm) / f32(norm + f32(1e-6)));
  // torch multiplies by min(coef, 1); a factor of 1 changes nothing, so the gradients are kept.
  if (!(maxNorm > 0) || coef >= 1) return { norm, grads };
  const clipped = new Map<string, tf.Tensor>();
  for (const run of chunksOf([...grads], ([, g]) => g.size)) {
    const scaled = scaleAll(
      run.map(([, g]) => g),
      coef,
    );
    run.forEach(([name, g], i) => {
      clipped.set(name, scaled[i]);
      g.dispose();
    });
  }
  return { norm, grads: clipped };
}
