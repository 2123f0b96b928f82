import * as tf from '@tensorflow/tfjs';
import { fusedMeanPool } from '../kernels/index.ts';
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
  // cpu and wasm: mean pooling as one kernel each way (src/lib/kernels/pooling.ts).
  const fused = mode === 'mean' ? fusedMeanPool(tokens, attentionMask) : null;
  if (fused) return fused;
  return tf.tidy(() => {
    const [B, L, H] = tokens.shape;
    if (mode === 'cls') return tf.reshape(tf.slice(tokens, [0, 0, 0], [B, 1, H]), [B, H]);
    const mask = tf.cast(attentionMask, 'float32'); // [B, L]
    if (mode === 'max') {
      const mask3 = tf.reshape(mask, [B, L, 1]);
      return tf.max(tf.add(tf.mul(tokens, mask3), tf.mul(tf.sub(1, mask3), -1e9)), 1);
    }
    // Σ over tokens as one batched product, mask [B, 1, L] · tokens [B, L, H]. (Reducing a
    // [B, L, 1] mask over L instead returns zeros on tfjs-webgpu 4.22 when the mask is shared.)
    const summed = tf.reshape(tf.matMul(tf.reshape(mask, [B, 1, L]), tokens), [B, H]);
    const counts = tf.maximum(tf.sum(mask, 1, true), 1e-9); // [B, 1]
    return tf.div(summed, counts);
  });
}

/** `torch.nn.functional.normalize(x, p=2, dim=1)`: x / max(‖x‖, 1e-12). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)));
}
