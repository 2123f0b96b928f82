import type * as tf from '@tensorflow/tfjs';
import {
  bind,
  copy,
  dispatch,
  output,
  registerGpuKernel,
  scalars,
  type Binding,
  type Gpu,
} from './shader.ts';

/**
 * `AttuneMnrl` and its gradient (../mnrl.ts has the formulas) on WebGPU: one workgroup does the
 * whole loss, one dispatch each way — the batch is small (B anchors × C candidates × D, ~1M
 * products at batch 32 with one negative column), so one workgroup's 256 threads finish it in
 * microseconds and no pass has to wait on another. The candidate blocks are copied into one
 * `[C, D]` buffer first (a buffer copy, not a dispatch), so the binding count stays fixed
 * whatever the number of negative columns. Sums run in float32, as the stock chain's do.
 *
 * Scratch (float32): ‖a‖, ‖c‖ [B + C] · d [B·C] · e [B·B] · ℓᶠ [B] · ℓᵇ [B]
 * and, backward, ∂â, ∂ĉ [(B + C)·D] · â·∂â, ĉ·∂ĉ [B + C].
 */
const WG = 256;
/** `F.normalize`'s ε. */
const EPS = 1e-12;

interface Attrs {
  scale: number;
  symmetric: boolean;
  weighted: boolean;
}

const common = (weighted: boolean) => /* wgsl */ `
const WG: u32 = ${WG}u;
fn sync() { storageBarrier(); workgroupBarrier(); }
fn weight(i: u32) -> f32 { ${weighted ? 'return w[i];' : 'return 1.0;'} }
fn S0() -> u32 { return u.B + u.C; }
fn E0() -> u32 { return S0() + u.B * u.C; }
fn FWD() -> u32 { return E0() + u.B * u.B; }
fn BWD() -> u32 { return FWD() + u.B; }
fn DU() -> u32 { return BWD() + u.B; }
fn RD() -> u32 { return DU() + (u.B + u.C) * u.D; }
/** Row r of the stacked [a; c] (anchors, then candidates), divided by its norm. */
fn x(r: u32, k: u32) -> f32 {
  if (r < u.B) { return a[r * u.D + k]; }
  return c[(r - u.B) * u.D + k];
}
fn unit(r: u32, k: u32) -> f32 { return x(r, k) / scratch[r]; }
fn wSum() -> f32 {
  var n = 0.0;
  for (var i = 0u; i < u.B; i++) { n += weight(i); }
  return n;
}
/** The loss's two halves, Σwℓᶠ/Σw and Σwℓᵇ/Σw. */
fn halves() -> vec2<f32> {
  var lf = 0.0;
  var lb = 0.0;
  for (var i = 0u; i < u.B; i++) {
    lf += weight(i) * scratch[FWD() + i];
    lb += weight(i) * scratch[BWD() + i];
  }
  return vec2<f32>(lf, lb) / wSum();
}
/**
 * Norms; each score relative to its row's positive, dᵢⱼ = sᵢⱼ − sᵢᵢ = scale·âᵢ·(ĉⱼ − ĉᵢ), and (symmetric)
 * to its column's, eᵢⱼ = sᵢⱼ − sⱼⱼ = scale·(âᵢ − âⱼ)·ĉⱼ: taking the difference before the sum keeps
 * float32's error relative to the difference, not to the scores (up to ±scale).
 * Then ℓᶠᵢ = log Σⱼ exp dᵢⱼ and ℓᵇⱼ = log Σᵢ exp eᵢⱼ.
 */
fn losses(t: u32) {
  for (var r = t; r < u.B + u.C; r += WG) {
    var ss = 0.0;
    for (var k = 0u; k < u.D; k++) { ss += x(r, k) * x(r, k); }
    scratch[r] = max(sqrt(ss), ${EPS});
  }
  sync();
  for (var e = t; e < u.B * u.C; e += WG) {
    let i = e / u.C;
    let j = e % u.C;
    var dot = 0.0;
    for (var k = 0u; k < u.D; k++) { dot += unit(i, k) * (unit(u.B + j, k) - unit(u.B + i, k)); }
    scratch[S0() + e] = u.scale * dot;
  }
  if (u.symmetric != 0u) {
    for (var e = t; e < u.B * u.B; e += WG) {
      let i = e / u.B;
      let j = e % u.B;
      var dot = 0.0;
      for (var k = 0u; k < u.D; k++) { dot += (unit(i, k) - unit(j, k)) * unit(u.B + j, k); }
      scratch[E0() + e] = u.scale * dot;
    }
  }
  sync();
  for (var i = t; i < u.B; i += WG) {
    var mx = 0.0;
    for (var j = 0u; j < u.C; j++) { mx = max(mx, scratch[S0() + i * u.C + j]); }
    var sum = 0.0;
    for (var j = 0u; j < u.C; j++) { sum += exp(scratch[S0() + i * u.C + j] - mx); }
    scratch[FWD() + i] = mx + log(sum);
    var bwd = 0.0;
    if (u.symmetric != 0u) {
      // Positive i against every anchor: column i of the positives block.
      var cm = 0.0;
      for (var r = 0u; r < u.B; r++) { cm = max(cm, scratch[E0() + r * u.B + i]); }
      var cs = 0.0;
      for (var r = 0u; r < u.B; r++) { cs += exp(scratch[E0() + r * u.B + i] - cm); }
      bwd = cm + log(cs);
    }
    scratch[BWD() + i] = bwd;
  }
  sync();
}`;

const FORWARD = /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) t: u32) {
  losses(t);
  if (t == 0u) {
    let l = halves();
    loss[0] = select(l.x, (l.x + l.y) / 2.0, u.symmetric != 0u);
  }
}`;

const BACKWARD = (weighted: boolean) => /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) t: u32) {
  losses(t);
  let half = select(1.0, 0.5, u.symmetric != 0u);
  let ws = wSum();
  // ∂L/∂s in place of s.
  for (var e = t; e < u.B * u.C; e += WG) {
    let i = e / u.C;
    let j = e % u.C;
    let diag = select(0.0, 1.0, i == j);
    // pᵢⱼ = exp(sᵢⱼ − lseᵢ) = exp(dᵢⱼ − ℓᶠᵢ); qᵢⱼ = exp(eᵢⱼ − ℓᵇⱼ)
    var g = half * weight(i) / ws * (exp(scratch[S0() + e] - scratch[FWD() + i]) - diag);
    if (u.symmetric != 0u && j < u.B) {
      g += half * weight(j) / ws * (exp(scratch[E0() + i * u.B + j] - scratch[BWD() + j]) - diag);
    }
    scratch[S0() + e] = g;
  }
  sync();
  // ∂â = scale · G ĉ ;  ∂ĉ = scale · Gᵀ â   (rows of the stacked [a; c])
  for (var e = t; e < (u.B + u.C) * u.D; e += WG) {
    let r = e / u.D;
    let k = e % u.D;
    var acc = 0.0;
    if (r < u.B) {
      for (var j = 0u; j < u.C; j++) {
        acc += scratch[S0() + r * u.C + j] * unit(u.B + j, k);
      }
    } else {
      let j = r - u.B;
      for (var i = 0u; i < u.B; i++) {
        acc += scratch[S0() + i * u.C + j] * unit(i, k);
      }
    }
    scratch[DU() + e] = u.scale * acc;
  }
  sync();
  // x̂·∂x̂ per row; 0 below ε, where the divisor is the constant ε.
  for (var r = t; r < u.B + u.C; r += WG) {
    var dot = 0.0;
    if (scratch[r] > ${EPS}) {
      for (var k = 0u; k < u.D; k++) { dot += unit(r, k) * scratch[DU() + r * u.D + k]; }
    }
    scratch[RD() + r] = dot;
  }
  sync();
  let dy0 = dy[0];
  for (var e = t; e < (u.B + u.C) * u.D; e += WG) {
    let r = e / u.D;
    let k = e % u.D;
    let n = scratch[r];
    let g = dy0 * (scratch[DU() + e] - unit(r, k) * scratch[RD() + r]) / n;
    if (r < u.B) { da[e] = g; } else { dc[e - u.B * u.D] = g; }
  }
  ${
    weighted
      ? `if (t == 0u) {
    let l = halves();
    for (var i = 0u; i < u.B; i++) {
      let f = scratch[FWD() + i] - l.x;
      dw[i] = dy0 * select(f / ws, (f + scratch[BWD() + i] - l.y) / (2.0 * ws), u.symmetric != 0u);
    }
  }`
      : ''
  }
}`;

/** The candidate blocks as one `[C, D]` tensor: the block itself when there is one, else a copy. */
function stacked(gpu: Gpu, cs: tf.TensorInfo[]): tf.TensorInfo {
  if (cs.length === 1) return cs[0];
  const C = cs.reduce((n, c) => n + c.shape[0], 0);
  const all = output(gpu, [C, cs[0].shape[1]]);
  let offset = 0;
  for (const c of cs) {
    const bytes = 4 * c.shape[0] * c.shape[1];
    copy(gpu, c, 0, all, offset, bytes);
    offset += bytes;
  }
  return all;
}

function split(inputs: tf.TensorInfo[], weighted: boolean) {
  const [a, ...rest] = inputs;
  const w = weighted ? rest.pop()! : null;
  return { a, cs: rest, w };
}

function scratchFor(gpu: Gpu, B: number, C: number, D: number, grad: boolean): tf.TensorInfo {
  const n = B + C + B * C + B * B + 2 * B + (grad ? (B + C) * (D + 1) : 0);
  return output(gpu, [n]);
}

function run(
  gpu: Gpu,
  key: string,
  body: string,
  bindings: Binding[],
  [B, C, D]: number[],
  attrs: Attrs,
) {
  dispatch(gpu, {
    key,
    bindings,
    uniforms: [
      ...scalars('u32', { B, C, D }),
      ...scalars('f32', { scale: attrs.scale }),
      ...scalars('u32', { symmetric: attrs.symmetric ? 1 : 0 }),
    ],
    body,
    workgroups: [1, 1, 1],
  });
}

const release = (gpu: Gpu, ts: tf.TensorInfo[]) => ts.forEach((t) => gpu.disposeData(t.dataId));

registerGpuKernel<Attrs>('AttuneMnrl', (gpu, inputs, attrs) => {
  const { a, cs, w } = split(inputs, attrs.weighted);
  const c = stacked(gpu, cs);
  const [B, D] = a.shape;
  const C = c.shape[0];
  const loss = output(gpu, []);
  const scratch = scratchFor(gpu, B, C, D, false);
  const bindings = bind({ a, c, w }, { loss, scratch });
  run(gpu, `mnrl-${attrs.weighted}`, common(attrs.weighted) + FORWARD, bindings, [B, C, D], attrs);
  release(gpu, [scratch, ...(c === cs[0] ? [] : [c])]);
  return loss;
});

registerGpuKernel<Attrs>('AttuneMnrlGrad', (gpu, [dy, ...rest], attrs) => {
  const { a, cs, w } = split(rest, attrs.weighted);
  const c = stacked(gpu, cs);
  const [B, D] = a.shape;
  const C = c.shape[0];
  const da = output(gpu, a.shape);
  const dc = output(gpu, c.shape);
  const dw = w ? output(gpu, w.shape) : null;
  const scratch = scratchFor(gpu, B, C, D, true);
  const bindings = bind({ dy, a, c, w }, { da, dc, dw, scratch });
  const body = common(attrs.weighted) + BACKWARD(attrs.weighted);
  run(gpu, `mnrl-grad-${attrs.weighted}`, body, bindings, [B, C, D], attrs);
  // ∂c back into one tensor per candidate block.
  let dcs = [dc];
  if (cs.length > 1) {
    let offset = 0;
    dcs = cs.map((block) => {
      const out = output(gpu, block.shape);
      const bytes = 4 * block.shape[0] * block.shape[1];
      copy(gpu, dc, offset, out, 0, bytes);
      offset += bytes;
      return out;
    });
    release(gpu, [dc, c]);
  }
  release(gpu, [scratch]);
  return [da, ...dcs, ...(dw ? [dw] : [])];
});
