import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel, type Values } from './arrays.ts';
import { dropThreshold, hash, randomSeed } from './dropout.ts';
import { fused } from './route.ts';
import { rangeTask } from './threads/pool.ts';

/**
 * `torch.nn.LayerNorm(x + r)` over the last axis (biased variance, eps inside the root), the
 * residual add of every post-LN BERT block folded in. x `[N, H]`; r `[R, H]` with R dividing N,
 * row i taking r's row i mod R (so the embeddings' position table `[L, H]` broadcasts over the
 * batch). Per row, with s = x + r:
 *
 *   μ = mean(s)   ρ = 1/√(var(s) + ε)   ŝ = (s − μ)·ρ   y = γ·ŝ + β
 *   g = dy·γ      ds = ρ·(g − mean(g) − ŝ·mean(g·ŝ))
 *   dx = ds       dr = Σ over the rows sharing a residual row   dγ = Σ dy·ŝ   dβ = Σ dy
 *
 * BERT's dropouts sit on either side: `LayerNorm(dropout(x) + r)` after attention and the
 * feed-forward block, `dropout(LayerNorm(x + r))` after the embeddings. Both fold in here with
 * the masks of `dropout.ts` (a hash of seed and index), so they cost no dispatch of their own.
 * The backward pass recomputes μ, ρ and the masks from the saved inputs instead of keeping them,
 * so nothing beyond the inputs is saved.
 */
const ADD_LAYER_NORM = 'AttuneAddLayerNorm';
const ADD_LAYER_NORM_GRAD = 'AttuneAddLayerNormGrad';

export interface LayerNormAttrs {
  eps: number;
  /** Dropout on x before the add (0 = none) and its seed. */
  inRate: number;
  inSeed: number;
  /** Dropout on the output (0 = none) and its seed. */
  outRate: number;
  outSeed: number;
}

/** One dropout site as the loops below apply it: scale where `hash(seed, i) ≥ threshold`, else 0. */
interface Site {
  on: boolean;
  seed: number;
  threshold: number;
  scale: number;
}

const site = (rate: number, seed: number): Site => ({
  on: rate !== 0,
  seed,
  threshold: dropThreshold(rate),
  scale: 1 / (1 - rate),
});

/** Element i's dropout scale at `d` (1 when the site is off). */
const scaleAt = (d: Site, i: number) => (d.on ? (hash(d.seed, i) >= d.threshold ? d.scale : 0) : 1);

/**
 * s = x·dropIn + r for row `xo` (its residual row at `ro`) into `s`, the row's dropIn scales into
 * `din`; returns the mean and 1/σ of s.
 */
function rowSum(
  x: Values,
  r: Values,
  xo: number,
  ro: number,
  eps: number,
  dropIn: Site,
  s: Float64Array,
  din: Float64Array,
): { mean: number; rstd: number } {
  const h = din.length;
  let mean = 0;
  for (let j = 0; j < h; j++) {
    const d = scaleAt(dropIn, xo + j);
    din[j] = d;
    const v = x[xo + j] * d + r[ro + j];
    s[j] = v;
    mean += v;
  }
  mean /= h;
  let variance = 0;
  for (let j = 0; j < h; j++) variance += (s[j] - mean) * (s[j] - mean);
  return { mean, rstd: 1 / Math.sqrt(variance / h + eps) };
}

/** A task's params: [n, h, residual rows, ε, dropIn rate, seed, dropOut rate, seed]. */
const taskParams = (n: number, h: number, rows: number, a: LayerNormAttrs) => [
  n,
  h,
  rows,
  a.eps,
  a.inRate,
  a.inSeed,
  a.outRate,
  a.outSeed,
];

/** Rows [start, end) of the forward pass. */
const forwardRows = rangeTask(
  ADD_LAYER_NORM,
  ([x, r, gamma, beta, y], [, h, rows, eps, inRate, inSeed, outRate, outSeed], start, end) => {
    const s = new Float64Array(h);
    const din = new Float64Array(h);
    const dropIn = site(inRate, inSeed);
    const dropOut = site(outRate, outSeed);
    for (let i = start; i < end; i++) {
      const xo = i * h;
      const { mean, rstd } = rowSum(x, r, xo, (i % rows) * h, eps, dropIn, s, din);
      for (let j = 0; j < h; j++)
        y[xo + j] = ((s[j] - mean) * rstd * gamma[j] + beta[j]) * scaleAt(dropOut, xo + j);
    }
  },
);

registerArrayKernel<LayerNormAttrs>({
  name: ADD_LAYER_NORM,
  outputs: ([x]) => [{ shape: x.shape, dtype: 'float32' }],
  compute([x, r, gamma, beta], [y], a) {
    const [n, h] = x.shape;
    const rows = r.shape[0];
    const arrays = [x.values, r.values, gamma.values, beta.values, y];
    forwardRows.run(arrays, taskParams(n, h, rows, a), n, 8 * n * h);
  },
});

/** μ and 1/σ of row i at [2i, 2i + 1] of the backward pass's float64 side table. */
const rowStats = (table: Values, n: number) =>
  new Float64Array(table.buffer, table.byteOffset, 2 * n);

/**
 * The backward pass's first half, by residual row: item ρ takes rows ρ, ρ + R, ρ + 2R, … in
 * order, so dr's sums add in the order of one thread. Writes dx, dr and each row's μ and 1/σ.
 */
const backwardRows = rangeTask(
  ADD_LAYER_NORM_GRAD,
  ([dyIn, x, r, gamma, dx, dr, table], params, start, end) => {
    const [n, h, rows, eps, inRate, inSeed, outRate, outSeed] = params;
    const stats = rowStats(table, n);
    const s = new Float64Array(h);
    const dy = new Float64Array(h);
    const din = new Float64Array(h);
    const dropIn = site(inRate, inSeed);
    const dropOut = site(outRate, outSeed);
    for (let item = start; item < end; item++) {
      const ro = item * h;
      for (let i = item; i < n; i += rows) {
        const xo = i * h;
        const { mean, rstd } = rowSum(x, r, xo, ro, eps, dropIn, s, din);
        stats[2 * i] = mean;
        stats[2 * i + 1] = rstd;
        let meanG = 0;
        let meanGx = 0;
        for (let j = 0; j < h; j++) {
          const xhat = (s[j] - mean) * rstd;
          s[j] = xhat;
          dy[j] = dyIn[xo + j] * scaleAt(dropOut, xo + j);
          const g = dy[j] * gamma[j];
          meanG += g;
          meanGx += g * xhat;
        }
        meanG /= h;
        meanGx /= h;
        for (let j = 0; j < h; j++) {
          const ds = rstd * (dy[j] * gamma[j] - meanG - s[j] * meanGx);
          dx[xo + j] = ds * din[j];
          dr[ro + j] += ds;
        }
      }
    }
  },
);

/** Columns a second-half item takes: 16 floats, one 64-byte cache line of each row. */
const COLUMN_GROUP = 16;

/**
 * The second half, by group of columns: dγ = Σ dy·ŝ and dβ = Σ dy over every row in order (the
 * first half's μ and 1/σ give ŝ back), so each column sums in the order of one thread.
 */
const backwardColumns = rangeTask(
  `${ADD_LAYER_NORM_GRAD}.columns`,
  ([dyIn, x, r, dgamma, dbeta, table], params, start, end) => {
    const [n, h, rows, , inRate, inSeed, outRate, outSeed] = params;
    const stats = rowStats(table, n);
    const dropIn = site(inRate, inSeed);
    const dropOut = site(outRate, outSeed);
    const j0 = start * COLUMN_GROUP;
    const j1 = Math.min(h, end * COLUMN_GROUP);
    for (let i = 0; i < n; i++) {
      const xo = i * h;
      const ro = (i % rows) * h;
      const mean = stats[2 * i];
      const rstd = stats[2 * i + 1];
      for (let j = j0; j < j1; j++) {
        const xhat = (x[xo + j] * scaleAt(dropIn, xo + j) + r[ro + j] - mean) * rstd;
        const dy = dyIn[xo + j] * scaleAt(dropOut, xo + j);
        dgamma[j] += dy * xhat;
        dbeta[j] += dy;
      }
    }
  },
);

registerArrayKernel<LayerNormAttrs>({
  name: ADD_LAYER_NORM_GRAD,
  outputs: ([, x, r, gamma]) => [
    { shape: x.shape, dtype: 'float32' },
    { shape: r.shape, dtype: 'float32' },
    { shape: gamma.shape, dtype: 'float32' },
    { shape: gamma.shape, dtype: 'float32' },
    // The side table: two float64 per row.
    { shape: [x.shape[0], 4], dtype: 'float32' },
  ],
  compute([dy, x, r, gamma], [dx, dr, dgamma, dbeta, table], a) {
    const [n, h] = x.shape;
    const rows = r.shape[0];
    const params = taskParams(n, h, rows, a);
    const work = 8 * n * h;
    backwardRows.run(
      [dy.values, x.values, r.values, gamma.values, dx, dr, table],
      params,
      rows,
      work,
    );
    const groups = Math.ceil(h / COLUMN_GROUP);
    backwardColumns.run(
      [dy.values, x.values, r.values, dgamma, dbeta, table],
      params,
      groups,
      work,
    );
  },
});

tf.registerGradient({
  kernelName: ADD_LAYER_NORM,
  inputsToSave: ['x', 'residual', 'gamma'],
  gradFunc: (dy, saved, attrs) => {
    const [x, residual, gamma] = saved;
    // cpu and wasm add their side table of row statistics (webgpu has none): not a gradient.
    const [dx, dr, dgamma, dbeta, ...tables] = runKernel(
      ADD_LAYER_NORM_GRAD,
      { dy: dy as tf.Tensor, x, residual, gamma },
      attrs,
    );
    for (const t of tables) t.dispose();
    return { x: () => dx, residual: () => dr, gamma: () => dgamma, beta: () => dbeta };
  },
});

/** A dropout site: rate and seed (no seed draws one). */
export interface DropoutSite {
  rate: number;
  seed?: number;
}

/**
 * `dropOut(LayerNorm(dropIn(x) + residual))` (either dropout null for none), with the stock
 * composition's numbers; see the formulas above.
 */
export function addLayerNorm(
  x: tf.Tensor2D,
  residual: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  dropIn: DropoutSite | null = null,
  dropOut: DropoutSite | null = null,
): tf.Tensor2D {
  if (fused(ADD_LAYER_NORM)) {
    const attrs: LayerNormAttrs = {
      eps,
      inRate: dropIn?.rate ?? 0,
      inSeed: dropIn?.seed ?? randomSeed(),
      outRate: dropOut?.rate ?? 0,
      outSeed: dropOut?.seed ?? randomSeed(),
    };
    return runKernel(ADD_LAYER_NORM, { x, residual, gamma, beta }, attrs)[0] as tf.Tensor2D;
  }
  const drop = (t: tf.Tensor2D, site: DropoutSite | null) =>
    site ? (tf.dropout(t, site.rate, undefined, site.seed) as tf.Tensor2D) : t;
  const y = stockAddLayerNorm(drop(x, dropIn), residual, gamma, beta, eps);
  return drop(y, dropOut);
}

function stockAddLayerNorm(
  x: tf.Tensor2D,
  residual: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): tf.Tensor2D {
  const [n, h] = x.shape;
  const rows = residual.shape[0];
  const summed =
    rows === n
      ? tf.add(x, residual)
      : tf.reshape(tf.add(tf.reshape(x, [n / rows, rows, h]), residual), [n, h]);
  const { mean, variance } = tf.moments(summed, -1, true);
  const normed = tf.div(tf.sub(summed, mean), tf.sqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, gamma), beta);
}
