import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel } from './arrays.ts';
import { fused } from './route.ts';
import { rangeTask } from './threads/pool.ts';

/**
 * Exact GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))` (HF "gelu"; the tanh form is off by 3e-4),
 * and its derivative `Φ(x) + x · φ(x)`, φ(x) = exp(−x²/2)/√(2π), each one pass over x.
 */
const GELU = 'AttuneGelu';
const GELU_GRAD = 'AttuneGeluGrad';

/**
 * erf(z) = 2/√π · e^(−z²) · Σₙ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)) (A&S 7.1.6): positive terms, so no
 * cancellation, float64-accurate for every z; used to build the tables below, not per element.
 */
export function erf(z: number): number {
  const a = Math.abs(z);
  let term = a;
  let sum = a;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(z) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum);
}

/**
 * Φ(x) and φ(x) tabulated every 2⁻¹⁰ on [−8, 8] and interpolated linearly: the error is at most
 * h²/8·max|f''| ≈ 3e-8 for Φ and 5e-8 for φ, below float32 rounding of GELU's values, at a
 * fraction of the cost of an exp per element. Beyond ±8, Φ is 0 or 1 to 1e-15.
 */
const LIMIT = 8;
const PER_UNIT = 1024;
const CDF = new Float64Array(2 * LIMIT * PER_UNIT + 2);
const PDF = new Float64Array(CDF.length);
for (let i = 0; i < CDF.length; i++) {
  const x = i / PER_UNIT - LIMIT;
  CDF[i] = 0.5 * (1 + erf(x * Math.SQRT1_2));
  PDF[i] = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** For −LIMIT < x < LIMIT, where u is in [0, 2³¹) and `| 0` is its floor (Math.floor costs 2× here). */
function lookup(table: Float64Array, x: number): number {
  const u = (x + LIMIT) * PER_UNIT;
  const i = u | 0;
  return table[i] + (u - i) * (table[i + 1] - table[i]);
}

const cdf = (x: number) => (x <= -LIMIT ? 0 : x >= LIMIT ? 1 : lookup(CDF, x));

const geluRange = rangeTask(GELU, ([x, y], _, start, end) => {
  for (let i = start; i < end; i++) {
    const v = x[i];
    y[i] = v * cdf(v);
  }
});

registerArrayKernel({
  name: GELU,
  outputs: ([x]) => [{ shape: x.shape, dtype: 'float32' }],
  compute([x], [y]) {
    geluRange.run([x.values, y], [], y.length, 4 * y.length);
  },
});

/** Φ(x) + x·φ(x), both tables read at one interpolation point. */
function derivative(x: number): number {
  if (x <= -LIMIT) return 0;
  if (x >= LIMIT) return 1;
  const u = (x + LIMIT) * PER_UNIT;
  const i = u | 0;
  const f = u - i;
  return CDF[i] + f * (CDF[i + 1] - CDF[i]) + x * (PDF[i] + f * (PDF[i + 1] - PDF[i]));
}

const geluGradRange = rangeTask(GELU_GRAD, ([dy, x, dx], _, start, end) => {
  for (let i = start; i < end; i++) dx[i] = dy[i] * derivative(x[i]);
});

registerArrayKernel({
  name: GELU_GRAD,
  outputs: ([dy]) => [{ shape: dy.shape, dtype: 'float32' }],
  compute([dy, x], [dx]) {
    geluGradRange.run([dy.values, x.values, dx], [], dx.length, 4 * dx.length);
  },
});

tf.registerGradient({
  kernelName: GELU,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x })[0] }),
});

export function gelu<T extends tf.Tensor>(x: T): T {
  if (fused(GELU)) return runKernel(GELU, { x })[0] as T;
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T;
}
