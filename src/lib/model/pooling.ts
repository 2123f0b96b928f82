import * as tf from '@tensorflow/tfjs';
import type { PoolingMode } from './pooling-config.ts';

/**
 * sentence-transformers `Pooling`: tokens `[B, L, H]`, mask `[B, L]` → `[B, H]`.
 * mean: Σ(h·m) / max(Σm, 1e-9); cls: the first token; max: padded tokens set to -1e9 first.
 */
export function pool(
  tokens: tf.Tensor3D,
  attentionMask: tf.Tensor2D,
  mode: PoolingMode,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, , H] = tokens.shape;
    if (mode === 'cls') return tf.reshape(tf.slice(tokens, [0, 0, 0], [B, 1, H]), [B, H]);
    const mask = tf.expandDims(tf.cast(attentionMask, 'float32'), 2); // [B, L, 1]
    if (mode === 'max') {
      const masked = tf.add(tf.mul(tokens, mask), tf.mul(tf.sub(1, mask), -1e9));
      return tf.max(masked, 1);
    }
    const summed = tf.sum(tf.mul(tokens, mask), 1);
    const counts = tf.maximum(tf.sum(mask, 1), 1e-9);
    return tf.div(summed, counts);
  });
}

/** `torch.nn.functional.normalize(x, p=2, dim=1)`: x / max(‖x‖, 1e-12). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)));
}
