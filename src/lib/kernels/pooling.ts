import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel } from './arrays.ts';
import { fused } from './route.ts';

/**
 * sentence-transformers' mean pooling, `Σₗ hₗ·mₗ / max(Σₗ mₗ, 1e-9)` over tokens `[B, L, H]`
 * with mask `[B, L]`, in one dispatch each way (the stock chain: a cast, reshapes, a batched
 * product, a sum, a maximum, a division and their gradients, ~17 dispatches a column with the
 * copies of the tensors the tape saves). Its
 * gradient is ∂hₗ = ∂y · mₗ / max(Σm, 1e-9): it reads only the mask, so only the mask is saved.
 */
const MEAN_POOL = 'AttuneMeanPool';
const MEAN_POOL_GRAD = 'AttuneMeanPoolGrad';

/** max(Σₗ mₗ, 1e-9) for row b of the mask `[B, L]`. */
function count(mask: ArrayLike<number>, b: number, L: number): number {
  let n = 0;
  for (let l = 0; l < L; l++) n += mask[b * L + l];
  return Math.max(n, 1e-9);
}

registerArrayKernel({
  name: MEAN_POOL,
  outputs: ([tokens]) => [{ shape: [tokens.shape[0], tokens.shape[2]], dtype: 'float32' }],
  compute([tokensT, maskT], [out]) {
    const [B, L, H] = tokensT.shape;
    const x = tokensT.values;
    const mask = maskT.values;
    const sum = new Float64Array(H);
    for (let b = 0; b < B; b++) {
      sum.fill(0);
      for (let l = 0; l < L; l++) {
        const m = mask[b * L + l];
        if (m === 0) continue;
        const o = (b * L + l) * H;
        for (let h = 0; h < H; h++) sum[h] += m * x[o + h];
      }
      const n = count(mask, b, L);
      for (let h = 0; h < H; h++) out[b * H + h] = sum[h] / n;
    }
  },
});

registerArrayKernel<{ length: number }>({
  name: MEAN_POOL_GRAD,
  outputs: ([dy], { length }) => [{ shape: [dy.shape[0], length, dy.shape[1]], dtype: 'float32' }],
  compute([dyT, maskT], [dx], { length: L }) {
    const [B, H] = dyT.shape;
    const dy = dyT.values;
    const mask = maskT.values;
    for (let b = 0; b < B; b++) {
      const n = count(mask, b, L);
      for (let l = 0; l < L; l++) {
        const w = mask[b * L + l] / n;
        if (w === 0) continue;
        const o = (b * L + l) * H;
        for (let h = 0; h < H; h++) dx[o + h] = dy[b * H + h] * w;
      }
    }
  },
});

tf.registerGradient({
  kernelName: MEAN_POOL,
  inputsToSave: ['mask'],
  gradFunc: (dy, [mask]) => ({
    tokens: () =>
      runKernel(MEAN_POOL_GRAD, { dy: dy as tf.Tensor, mask }, { length: mask.shape[1] })[0],
    mask: () => tf.zerosLike(mask),
  }),
});

/**
 * Mean pooling of `tokens` `[B, L, H]` under `mask` `[B, L]` (0/1, any dtype) → `[B, H]` in one
 * dispatch, or null where the fused kernel does not serve the active backend and route (the
 * caller then runs the stock chain).
 */
export function fusedMeanPool(tokens: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D | null {
  if (!fused(MEAN_POOL)) return null;
  return runKernel(MEAN_POOL, { tokens, mask })[0] as tf.Tensor2D;
}
