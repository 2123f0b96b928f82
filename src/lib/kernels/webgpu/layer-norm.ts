import type * as tf from '@tensorflow/tfjs';
import type { LayerNormAttrs } from '../layer-norm.ts';
import {
  flatGroups,
  flatMain,
  GROUP_INDEX,
  runShader,
  type Scalar,
  type Shader,
} from './dispatch.ts';
import { narrowWorkgroups, registerGpuKernel } from './shader.ts';
import { HASH, siteFields, siteScale, siteValues } from './dropout.ts';

/**
 * `AttuneAddLayerNorm` and its gradient (../layer-norm.ts has the formulas) in WGSL, dropout
 * folded in with the masks of ../dropout.ts:
 *
 *   forward   one workgroup per row: Σs and Σ(s − μ)² as tree reductions in workgroup memory
 *             (one lane walking each row, 64 rows a workgroup, on a device that wants narrow
 *             workgroups), then
 *             y = (γ·ŝ + β)·dropOut
 *   backward  pass 1, one workgroup per row: μ, ρ, mean(g), mean(g·ŝ) → dx = ds·dropIn, ds,
 *             and the row's (μ, ρ); pass 2, one thread per (column, chunk of 64 rows): partial
 *             dγ = Σ dy·ŝ and dβ = Σ dy (ŝ recomputed from the row statistics); pass 3, one
 *             thread per column: the partials' sums, and dr = Σ ds over the rows that share a
 *             residual row when the residual broadcasts
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

/** WGSL: a workgroup's sum of one value per lane, in a fixed tree order (none for one lane). */
const reduce = (lanes: number) =>
  lanes === 1
    ? `
fn reduce(v: f32, lane: u32) -> f32 { return v; }`
    : /* wgsl */ `
var<workgroup> partial: array<f32, ${lanes}>;
fn reduce(v: f32, lane: u32) -> f32 {
  partial[lane] = v;
  workgroupBarrier();
  for (var s = ${lanes / 2}u; s > 0u; s = s >> 1u) {
    if (lane < s) { partial[lane] = partial[lane] + partial[lane + s]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}`;

/** WGSL: μ and ρ = 1/√(var + ε) of row `row` (every lane gets both). */
const rowStats = (lanes: number) => /* wgsl */ `
fn rowStats(row: u32, lane: u32) -> vec2<f32> {
  let h = f32(u.cols);
  var sum = 0.0;
  for (var j = lane; j < u.cols; j += ${lanes}u) { sum += summed(row, j); }
  let mean = reduce(sum, lane) / h;
  var sq = 0.0;
  for (var j = lane; j < u.cols; j += ${lanes}u) { let d = summed(row, j) - mean; sq += d * d; }
  return vec2<f32>(mean, 1.0 / sqrt(reduce(sq, lane) / h + u.eps));
}`;

/**
 * The helpers and entry point of a row pass: a workgroup of `lanes` lanes per row, or with one
 * lane per row, LANES independent rows per workgroup (no workgroup memory, no barriers).
 */
const rowPass = (lanes: number) => `${COMMON}${reduce(lanes)}${rowStats(lanes)}
@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {${
          lanes === 1
            ? `
  let row = groupIndex(wid, groups) * ${LANES}u + local;
  let lane = 0u;`
            : `
  let row = groupIndex(wid, groups);
  let lane = local;`
        }
  if (row >= u.rows) { return; }`;

/**
 * Lanes per row: wide on a GPU; one on a CPU-backed adapter, which runs a workgroup with
 * barriers as coroutines and pays tens of µs per workgroup.
 */
const rowLanes = (backend: unknown) => (narrowWorkgroups(backend) ? 1 : LANES);

/** Workgroups of a row pass over `rows` rows. */
const rowGroups = (backend: unknown, rows: number) =>
  flatGroups(rows, rowLanes(backend) === 1 ? LANES : 1);

const forward = (lanes: number): Shader => ({
  key: `AttuneAddLayerNorm/webgpu/forward/${lanes}`,
  outputs: ['y'],
  inputs: ['x', 'r', 'gamma', 'beta'].map(f32),
  uniforms: UNIFORMS,
  code: `${rowPass(lanes)}
  let stats = rowStats(row, lane);
  for (var j = lane; j < u.cols; j += ${lanes}u) {
    let i = row * u.cols + j;
    let normed = (summed(row, j) - stats.x) * stats.y;
    y[i] = (normed * gamma[j] + beta[j]) * dropOutScaleAt(i);
  }
}`,
});

/** Pass 1: dx, ds (dr itself when the residual does not broadcast) and each row's (μ, ρ). */
const rowsBackward = (lanes: number): Shader => ({
  key: `AttuneAddLayerNorm/webgpu/backward-rows/${lanes}`,
  outputs: ['dx', 'ds', 'stats'],
  inputs: ['dy', 'x', 'r', 'gamma'].map(f32),
  uniforms: UNIFORMS,
  code: `${rowPass(lanes)}
  let st = rowStats(row, lane);
  var sumG = 0.0;
  var sumGx = 0.0;
  for (var j = lane; j < u.cols; j += ${lanes}u) {
    let i = row * u.cols + j;
    let g = dy[i] * dropOutScaleAt(i) * gamma[j];
    sumG += g;
    sumGx += g * (summed(row, j) - st.x) * st.y;
  }
  let h = f32(u.cols);
  let meanG = reduce(sumG, lane) / h;
  let meanGx = reduce(sumGx, lane) / h;
  for (var j = lane; j < u.cols; j += ${lanes}u) {
    let i = row * u.cols + j;
    let xhat = (summed(row, j) - st.x) * st.y;
    let d = st.y * (dy[i] * dropOutScaleAt(i) * gamma[j] - meanG - xhat * meanGx);
    ds[i] = d;
    dx[i] = d * dropInScaleAt(i);
  }
  if (lane == 0u) { stats[2u * row] = st.x; stats[2u * row + 1u] = st.y; }
}`,
});

const FORWARD = new Map([LANES, 1].map((lanes) => [lanes, forward(lanes)]));
const ROWS_BACKWARD = new Map([LANES, 1].map((lanes) => [lanes, rowsBackward(lanes)]));

/** Rows per partial sum of pass 2: columns × chunks of rows spread dγ and dβ over the GPU. */
const CHUNK = 64;

/** Pass 2: partial dγ and dβ of column x over rows [CHUNK·y, CHUNK·(y + 1)), `[chunks, cols]`. */
const PARTIALS: Shader = {
  key: 'AttuneAddLayerNorm/webgpu/backward-partials',
  outputs: ['pgamma', 'pbeta'],
  inputs: ['dy', 'x', 'r', 'stats'].map(f32),
  uniforms: UNIFORMS,
  code: `${COMMON}
@compute @workgroup_size(${LANES})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let t = wid.x * ${LANES}u + lane;
  if (t >= u.cols) { return; }
  let first = wid.y * ${CHUNK}u;
  var dg = 0.0;
  var db = 0.0;
  for (var row = first; row < min(first + ${CHUNK}u, u.rows); row++) {
    let i = row * u.cols + t;
    let d = dy[i] * dropOutScaleAt(i);
    dg += d * (summed(row, t) - stats[2u * row]) * stats[2u * row + 1u];
    db += d;
  }
  pgamma[wid.y * u.cols + t] = dg;
  pbeta[wid.y * u.cols + t] = db;
}`,
};

/**
 * Pass 3: thread t < cols adds column t's partials in chunk order into dγ and dβ; when the
 * residual broadcasts, thread t < resRows·cols also sums dr at (t / cols, t % cols) over the
 * rows sharing that residual row.
 */
const totals = (broadcast: boolean): Shader => ({
  key: `AttuneAddLayerNorm/webgpu/backward-totals/${broadcast}`,
  outputs: broadcast ? ['dgamma', 'dbeta', 'dr'] : ['dgamma', 'dbeta'],
  inputs: ['pgamma', 'pbeta', ...(broadcast ? ['ds'] : [])].map(f32),
  uniforms: [...SIZES, ['chunks', 'u32']],
  code: flatMain(
    LANES,
    't',
    `  if (t < u.cols) {
    var dg = 0.0;
    var db = 0.0;
    for (var c = 0u; c < u.chunks; c++) { dg += pgamma[c * u.cols + t]; db += pbeta[c * u.cols + t]; }
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
  }`,
  ),
});

const TOTALS = [totals(false), totals(true)];

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

registerGpuKernel<LayerNormAttrs>('AttuneAddLayerNorm', (gpu, [x, r, gamma, beta], a) =>
  runShader(
    gpu,
    FORWARD.get(rowLanes(gpu))!,
    [x, r, gamma, beta],
    [x.shape],
    uniformValues(x, r, a),
    rowGroups(gpu, x.shape[0]),
  ),
);

registerGpuKernel<LayerNormAttrs>('AttuneAddLayerNormGrad', (gpu, [dy, x, r, gamma], a) => {
  const values = uniformValues(x, r, a);
  const [rows, cols] = x.shape;
  const [dx, ds, stats] = runShader(
    gpu,
    ROWS_BACKWARD.get(rowLanes(gpu))!,
    [dy, x, r, gamma],
    [x.shape, x.shape, [rows, 2]],
    values,
    rowGroups(gpu, rows),
  );
  const chunks = Math.ceil(rows / CHUNK);
  const [pgamma, pbeta] = runShader(
    gpu,
    PARTIALS,
    [dy, x, r, stats],
    [
      [chunks, cols],
      [chunks, cols],
    ],
    values,
    [Math.ceil(cols / LANES), chunks, 1],
  );
  const broadcast = r.shape[0] !== rows;
  const [dgamma, dbeta, dr] = runShader(
    gpu,
    TOTALS[broadcast ? 1 : 0],
    broadcast ? [pgamma, pbeta, ds] : [pgamma, pbeta],
    [[cols], [cols], ...(broadcast ? [r.shape] : [])],
    [...values.slice(0, SIZES.length), chunks],
    flatGroups(broadcast ? r.shape[0] * cols : cols, LANES),
  );
  for (const t of [stats, pgamma, pbeta]) gpu.disposeData(t.dataId);
  if (!broadcast) return [dx, ds, dgamma, dbeta];
  gpu.disposeData(ds.dataId);
  return [dx, dr, dgamma, dbeta];
});
