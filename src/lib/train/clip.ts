import type * as tf from '@tensorflow/tfjs';
import { globalNorm, scaleAll } from '../kernels/index.ts';

/**
 * `torch.nn.utils.clip_grad_norm_`: the global L2 norm over all gradients (the norm of the
 * per-parameter norms); when it exceeds `maxNorm`, every gradient is scaled by
 * coef = maxNorm / (norm + 1e-6), computed in float32 as torch computes it. Returns the norm
 * before clipping and the (possibly new) gradients; replaced tensors are disposed.
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
  const scaled = scaleAll([...grads.values()], coef);
  const clipped = new Map<string, tf.Tensor>();
  [...grads.keys()].forEach((name, i) => clipped.set(name, scaled[i]));
  grads.forEach((g) => g.dispose());
  return { norm, grads: clipped };
}
