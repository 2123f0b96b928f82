import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel, type Values } from './arrays.ts';
import { fused } from './route.ts';

/**
 * The norm of `torch.nn.utils.clip_grad_norm_` in one dispatch:
 *
 *   norm = ‖(‖g₁‖, ‖g₂‖, …)‖₂      (each parameter's norm in float32, then the norm of the norms)
 *
 * The stock chain takes two dispatches per parameter. The product gᵢ · coef is AdamW's
 * (`gradScale` in adamw.ts), made as it reads each gradient.
 */
const GLOBAL_NORM = 'AttuneGlobalNorm';

/**
 * Σx² in float64 over four running sums: torch sums float32 lanes, so the two agree to float32
 * rounding of the result, which is all the float32 norm keeps.
 */
function sumOfSquares(x: Values): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n4 = x.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (let i = n4; i < x.length; i++) s0 += x[i] * x[i];
  return s0 + s1 + s2 + s3;
}

registerArrayKernel({
  name: GLOBAL_NORM,
  outputs: () => [{ shape: [], dtype: 'float32' }],
  compute(inputs, [out]) {
    let total = 0;
    for (const { values } of inputs) {
      const norm = Math.fround(Math.sqrt(sumOfSquares(values)));
      total += norm * norm;
    }
    out[0] = Math.sqrt(total);
  },
});

const named = (tensors: tf.Tensor[]) => Object.fromEntries(tensors.map((t, i) => [`x${i}`, t]));

/** The L2 norm of all `tensors` taken together, as a float32 scalar (0 for none, as torch gives). */
export function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  if (!tensors.length) return tf.scalar(0);
  if (fused(GLOBAL_NORM)) return runKernel(GLOBAL_NORM, named(tensors))[0] as tf.Scalar;
  return tf.tidy(() => {
    let squares = tensors.map((g) => tf.sum(tf.square(g)));
    // WebGPU binds each addend as a storage buffer, 8–12 per shader: add in groups of at most 8.
    while (squares.length > 1) {
      const groups: tf.Tensor[] = [];
      for (let i = 0; i < squares.length; i += 8) groups.push(tf.addN(squares.slice(i, i + 8)));
      squares = groups;
    }
    return tf.sqrt(squares[0]);
  }) as tf.Scalar;
}
