import type * as tf from '@tensorflow/tfjs';
import { globalNorm } from '../kernels/index.ts';

/**
 * `torch.nn.utils.clip_grad_norm_` up to its last line: the global L2 norm over all gradients
 * (the norm of the per-parameter norms) and the factor every gradient is to be multiplied by,
 * min(maxNorm / (norm + 1e-6), 1), computed in float32 as torch computes it (1 with clipping off).
 * The product itself happens in AdamW as it reads each gradient (`AdamW.apply`'s `gradScale`):
 * one pass over the gradients instead of two, and no scaled copy of them.
 */
export async function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ norm: number; factor: number }> {
  const normTensor = globalNorm([...grads.values()]);
  const norm = (await normTensor.data())[0];
  normTensor.dispose();
  const f32 = Math.fround;
  const coef = f32(f32(maxNorm) / f32(norm + f32(1e-6)));
  return { norm, factor: maxNorm > 0 && coef < 1 ? coef : 1 };
}
