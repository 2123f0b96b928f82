import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { LayerNormAttrs } from '../layer-norm.ts';
import { flatGroups, GROUP_INDEX, runShader, type Scalar, type Shader } from './dispatch.ts';
import { HASH, siteFields, siteScale, siteValues } from './dropout.ts';

/**
 * `AttuneAddLayerNorm` and its gradient (../layer-norm.ts has the formulas) in WGSL, dropout
 * folded in with the masks of ../dropout.ts:
 *
 *   forward   one workgroup per row: Σs and Σ(s − μ)² as tree reductions in workgroup memory,
 *             then y = (γ·ŝ + β)·dropOut
 *   backward  pass 1, one workgroup per row: μ, ρ, mean(g), mean(g·ŝ) → dx = ds·dropIn, ds,
 *             and the row's (μ, ρ); pass 2, one thread per column: dγ = Σ dy·ŝ and dβ = Σ dy
 *             down the rows (ŝ recomputed from the row statistics), and dr = Σ ds over the rows
 *             that share a residual row when the residual broadcasts
 *
 * Every sum runs in a fixed order, so results do not depend on scheduling.
 */

const LANES = 64;

const SIZES: [string, Scalar][] = [
  ['rows', 'u32'],
  ['cols', 'u32'],
  ['resRows', 'u32'],
  ['eps', 'f32'],
];
const UNIFORMS: [string, Scalar][] = [...SIZES, ...siteFields('dropIn'), ...siteFields('dropOut')];

const f32 = (n: string) => [n, 'f32'] as const;

/** WGSL shared by every pass: the masks and s = x·dropIn + r for flat element i of row `row`. */
const COMMON = /* wgsl */ `${HASH}${siteScale('dropIn')}${siteScale('dropOut')}${GROUP_INDEX}
fn summed(row: u32, j: u32) -> f32 {
  let i = row * u.cols + j;
  return x[i] * dropInScaleAt(i) + r[(row % u.resRows) * u.cols + j];
}`;

/** WGSL: a workgroup's sum of one value per lane, in a fixed tree order. */
const REDUCE = /* wgsl */ `
var<workgroup> partial: array<f32, ${LANES}>;
fn reduce(v: f32, lane: u32) -> f32 {
  partial[lane] = v;
  workgroupBarrier();
  for (var s = ${LANES / 2}u; s > 0u; s = s >> 1u) {
    if (lane < s) { partial[lane] = partial[lane] + partial[lane + s]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}`;

/** WGSL: μ and ρ = 1/√(var + ε) of row `row` (every lane gets both). */
const ROW_STATS = /* wgsl */ `
fn rowStats(row: u32, lane: u32) -> vec2<f32> {
  let h = f32(u.cols);
  var sum = 0.0;
  for (var j = lane; j < u.cols; j += ${LANES}u) { sum += summed(row, j); }
  let mean = reduce(sum, lane) / h;
  var sq = 0.0;
  for (var j = lane; j < u.cols; j += ${LANES}u) { let d = summed(row, j) - mean; sq += d * d; }
  return vec2<f32>(mean, 1.0 / sqrt(reduce(sq, lane) / h + u.eps));
}`;

const ROW_ENTRY = `@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let row = groupIndex(wid, groups);
  if (row >= u.rows) { return; }`;

const FORWARD: Shader = {
  key: 'AttuneAddLayerNorm/webgpu/forward',
  outputs: ['y'],
  inputs: ['x', 'r', 'gamma', 'beta'].map(f32),
  uniforms: UNIFORMS,
  code: `${COMMON}${REDUCE}${ROW_STATS}
${ROW_ENTRY}
  let stats = rowStats(row, lane);
  for (var j = lane; j < u.cols; j += ${LANES}u) {
    let i = row * u.cols + j;
    let normed = (summed(row, j) - stats.x) * stats.y;
    y[i] = (normed * gamma[j] + beta[j]) * dropOutScaleAt(i);
  }
}`,
};

/** Pass 1: dx, ds (dr itself when the residual does not broadcast) and each row's (μ, ρ). */
const ROWS_BACKWARD: Shader = {
  key: 'AttuneAddLayerNorm/webgpu/backward-rows',
  outputs: ['dx', 'ds', 'stats'],
  inputs: ['dy', 'x', 'r', 'gamma'].map(f32),
  uniforms: UNIFORMS,
  code: `${COMMON}${REDUCE}${ROW_STATS}
${ROW_ENTRY}
  let st = rowStats(row, lane);
  var sumG = 0.0;
  var sumGx = 0.0;
  for (var j = lane; j < u.cols; j += ${LANES}u) {
    let i = row * u.cols + j;
    let g = dy[i] * dropOutScaleAt(i) * gamma[j];
    sumG += g;
    sumGx += g * (summed(row, j) - st.x) * st.y;
  }
  let h = f32(u.cols);
  let meanG = reduce(sumG, lane) / h;
  let meanGx = reduce(sumGx, lane) / h;
  for (var j = lane; j < u.cols; j += ${LANES}u) {
    let i = row * u.cols + j;
    let xhat = (summed(row, j) - st.x) * st.y;
    let d = st.y * (dy[i] * dropOutScaleAt(i) * gamma[j] - meanG - xhat * meanGx);
    ds[i] = d;
    dx[i] = d * dropInScaleAt(i);
  }
  if (lane == 0u) { stats[2u * row] = st.x; stats[2u * row + 1u] = st.y; }
}`,
};

/**
 * Pass 2: thread t < cols sums dγ and dβ of column t down the rows; when the residual
 * broadcasts, thread t < resRows·cols also sums dr at (t / cols, t % cols) over the batch.
 */
const columnsBackward = (broadcast: boolean): Shader => ({
  key: `AttuneAddLayerNorm/webgpu/backward-columns/${broadcast}`,
  outputs: broadcast ? ['dgamma', 'dbeta', 'dr'] : ['dgamma', 'dbeta'],
  inputs: ['dy', 'x', 'r', 'stats', ...(broadcast ? ['ds'] : [])].map(f32),
  uniforms: UNIFORMS,
  code: `${COMMON}
@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let t = groupIndex(wid, groups) * ${LANES}u + lane;
  if (t < u.cols) {
    var dg = 0.0;
    var db = 0.0;
    for (var row = 0u; row < u.rows; row++) {
      let i = row * u.cols + t;
      let d = dy[i] * dropOutScaleAt(i);
      dg += d * (summed(row, t) - stats[2u * row]) * stats[2u * row + 1u];
      db += d;
    }
    dgamma[t] = dg;
    dbeta[t] = db;
  }${
    broadcast
      ? `
  if (t < u.resRows * u.cols) {
    var sum = 0.0;
    for (var i = t; i < u.rows * u.cols; i += u.resRows * u.cols) { sum += ds[i]; }
    dr[t] = sum;
  }`
      : ''
  }
}`,
});

const COLUMNS = [columnsBackward(false), columnsBackward(true)];

function uniformValues(x: tf.TensorInfo, r: tf.TensorInfo, a: LayerNormAttrs): number[] {
  const [rows, cols] = x.shape;
  return [
    rows,
    cols,
    r.shape[0],
    a.eps,
    ...siteValues(a.inRate, a.inSeed),
    ...siteValues(a.outRate, a.outSeed),
  ];
}

tf.registerKernel({
  kernelName: 'AttuneAddLayerNorm',
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const [x, r, gamma, beta] = Object.values(inputs) as tf.TensorInfo[];
    const a = attrs as unknown as LayerNormAttrs;
    return runShader(
      backend as WebGPUBackend,
      FORWARD,
      [x, r, gamma, beta],
      [{ shape: x.shape }],
      uniformValues(x, r, a),
      flatGroups(x.shape[0]),
    )[0];
  },
});

tf.registerKernel({
  kernelName: 'AttuneAddLayerNormGrad',
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const [dy, x, r, gamma] = Object.values(inputs) as tf.TensorInfo[];
    const values = uniformValues(x, r, attrs as unknown as LayerNormAttrs);
    const [rows, cols] = x.shape;
    const [dx, ds, stats] = runShader(
      gpu,
      ROWS_BACKWARD,
      [dy, x, r, gamma],
      [{ shape: x.shape }, { shape: x.shape }, { shape: [rows, 2] }],
      values,
      flatGroups(rows),
    );
    const broadcast = r.shape[0] !== rows;
    const [dgamma, dbeta, dr] = runShader(
      gpu,
      COLUMNS[broadcast ? 1 : 0],
      broadcast ? [dy, x, r, stats, ds] : [dy, x, r, stats],
      [{ shape: [cols] }, { shape: [cols] }, ...(broadcast ? [{ shape: r.shape }] : [])],
      values,
      flatGroups(broadcast ? r.shape[0] * cols : cols, LANES),
    );
    gpu.disposeData(stats.dataId);
    if (!broadcast) return [dx, ds, dgamma, dbeta];
    gpu.disposeData(ds.dataId);
    return [dx, dr, dgamma, dbeta];
  },
});
