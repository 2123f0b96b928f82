import * as tf from '@tensorflow/tfjs';

/**
 * `torch.nn.utils.clip_grad_norm_`: the global L2 norm over all gradients; when it exceeds
 * `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6). Returns the norm before
 * clipping and the (possibly new) gradients; replaced tensors are disposed.
 */
export async function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ norm: number; grads: Map<string, tf.Tensor> }> {
  const normTensor = tf.tidy(() =>
    tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))),
  );
  const norm = (await normTensor.data())[0];
  normTensor.dispose();
  const coef = maxNorm / (norm + 1e-6);
  if (!(maxNorm > 0) || coef >= 1) return { norm, grads };
  const clipped = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) {
    clipped.set(name, tf.mul(g, coef));
    g.dispose();
  }
  return { norm, grads: clipped };
}
