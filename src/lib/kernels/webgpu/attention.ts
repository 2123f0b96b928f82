import type * as tf from '@tensorflow/tfjs';
import {
  bind,
  dispatch,
  dropThresholdU32,
  grid,
  HASH_WGSL,
  narrowWorkgroups,
  once,
  output,
  registerGpuKernel,
  singleInvocation,
  type Binding,
  type Gpu,
  type Uniform,
} from './shader.ts';

/**
 * `AttuneAttention` and its gradient (../attention.ts has the maths) on WebGPU: one dispatch
 * forward, two backward. Every workgroup serves one (sequence b, head h) and a tile of TR query
 * rows (or, in the second backward pass, TR keys), with the tile's score rows `[TR, L]` in
 * workgroup memory, so a whole row is in reach for its softmax (L·TR ≤ 4096 floats: TR = 8 up to
 * L = 512). Heads are read from and written to the `[B·L, H]` projections in place, as the cpu
 * kernel does: column h·hd + d of row b·L + i.
 *
 *   forward  (b, h, rows):  S = scale·Q Kᵀ + m;  P = softmax(S) → probs;  C = dropout(P) V
 *   backward (b, h, rows):  dP = (dC Vᵀ) ⊙ D;  dS = P ⊙ (dP − rowsum(P ⊙ dP)) → dSᵀ;  dQ = scale·dS K
 *   backward (b, h, keys):  dK = scale·dSᵀ Q;  dV = (P ⊙ D)ᵀ dC
 *
 * D is dropout.ts's hash mask over the index of P in `[B, nh, L, L]`, regenerated where needed.
 * On a device that wants narrow workgroups, each invocation is one row's whole tile (one thread,
 * private memory, no barriers), 64 independent rows to a workgroup: a CPU-backed adapter runs a
 * workgroup without barriers as plain SIMD loops, where each workgroup costs tens of µs.
 */
const WG = 64;
/** Score floats one workgroup holds: 16 KB of the 32 KB WebGPU guarantees. */
const SCORES = 4096;
/** Largest head size the shared Q / dC rows hold (BERT models use 32–64). */
const HD_MAX = 128;

/** Rows per tile: a power of two dividing the workgroup of `wg` threads, with TR·L within SCORES. */
function rowsPerTile(L: number, wg: number): number {
  let tr = Math.min(8, wg);
  while (tr > 1 && tr * L > SCORES) tr /= 2;
  if (tr * L > SCORES)
    throw new Error(`attention on WebGPU takes sequences of at most ${SCORES} tokens, not ${L}`);
  return tr;
}

interface Attrs {
  heads: number;
  scale: number;
  rate: number;
  seed: number;
}

/** Declarations every pass shares: sizes, dropout, the tile's scores. */
const common = ({ tr, wg, scores, rowFloats }: Geometry) => /* wgsl */ `
const WG: u32 = ${wg}u;
const TR: u32 = ${tr}u;
const TPR: u32 = WG / TR;
const HD_MAX: u32 = ${HD_MAX}u;
var<workgroup> s: array<f32, ${scores}>;
var<workgroup> rows_sh: array<f32, ${rowFloats}>;
var<workgroup> red: array<f32, ${wg}>;
${HASH_WGSL}
/** Element (b, i) of head h, d of a [B·L, H] projection. */
fn at(b: u32, i: u32, h: u32, d: u32) -> u32 { return (b * u.L + i) * u.H + h * u.hd + d; }
/** Index of P[b, h, i, j] in [B, nh, L, L]. */
fn pix(b: u32, h: u32, i: u32, j: u32) -> u32 { return ((b * u.nh + h) * u.L + i) * u.L + j; }
/** The dropout scale of P[ix]: 0 where dropped. */
fn keep(ix: u32) -> f32 {
  if (u.dropOn == 0u) { return 1.0; }
  return select(0.0, u.dropScale, dropHash(u.seed, ix) >= u.threshold);
}
`;

/** Loads rows i0.. of head h of \`name\` into rows_sh (zeros past L); a macro, as WGSL cannot pass bindings. */
const loadRows = (name: string) => /* wgsl */ `
  for (var x = t; x < TR * u.hd; x += WG) {
    let r = x / u.hd;
    let d = x % u.hd;
    var val = 0.0;
    if (i0 + r < u.L) { val = ${name}[at(b, i0 + r, h, d)]; }
    rows_sh[r * HD_MAX + d] = val;
  }
  workgroupBarrier();`;

/** Reduces \`value\` over the TPR lanes of row r (sum or max); every lane gets the result. */
const rowReduce = (value: string, op: 'max' | 'sum') => /* wgsl */ `
  red[t] = ${value};
  workgroupBarrier();
  ${value} = red[r * TPR];
  for (var x = 1u; x < TPR; x++) { ${op === 'max' ? `${value} = max(${value}, red[r * TPR + x]);` : `${value} += red[r * TPR + x];`} }
  workgroupBarrier();`;

/**
 * The tile's rows in rows_sh times head h of \`m\`, transposed: each thread takes keys j ≡ t
 * (mod WG), every row at once, into acc[rr] = rows_sh[rr] · m[j]; \`store\` then writes them (a
 * macro, with a barrier after).
 */
const rowsTimesHead = (m: string, store: string) => /* wgsl */ `
  for (var j = t; j < L; j += WG) {
    var acc = array<f32, TR>();
    for (var d = 0u; d < u.hd; d++) {
      let mv = ${m}[at(b, j, h, d)];
      for (var rr = 0u; rr < TR; rr++) { acc[rr] += rows_sh[rr * HD_MAX + d] * mv; }
    }
${store}
  }
  workgroupBarrier();`;

/** \`out\` rows of the tile = s (the tile's rows) times head h of \`m\`, then \`factor\` (a macro). */
const tileTimesHead = (m: string, out: string, factor: string) => /* wgsl */ `
  for (var x = t; x < TR * u.hd; x += WG) {
    let rr = x / u.hd;
    let d = x % u.hd;
    if (i0 + rr < L) {
      var acc = 0.0;
      for (var j = 0u; j < L; j++) { acc += s[rr * L + j] * ${m}[at(b, j, h, d)]; }
      ${out}[at(b, i0 + rr, h, d)] = acc${factor};
    }
  }`;

/** Invocations per workgroup in the narrow form, each its own row (or key) of its own head. */
const NARROW_GROUP = 64;

const header = (wg: number) =>
  wg === 1
    ? /* wgsl */ `
@compute @workgroup_size(${NARROW_GROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  // The flat index over [B, nh, L] rows; TR = 1, and no lane shares anything.
  let row = id.y * groups.x * ${NARROW_GROUP}u + id.x;
  let L = u.L;
  let i0 = row % L;
  let h = (row / L) % u.nh;
  let b = row / (L * u.nh);
  if (b >= u.B) { return; }
  let t = 0u;
  let r = 0u;
  let lane = 0u;`
    : /* wgsl */ `
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let i0 = wid.x * TR;
  let h = wid.y;
  let b = wid.z;
  let L = u.L;
  let r = t / TPR;
  let lane = t % TPR;`;

const forwardPass = (wg: number) => /* wgsl */ `
${header(wg)}
${loadRows('q')}
  // S rows of the tile.
${rowsTimesHead(
  'k',
  `    let m = mask[b * L + j];
    for (var rr = 0u; rr < TR; rr++) { s[rr * L + j] = acc[rr] * u.scale + m; }`,
)}
  // Softmax of row r over its TPR lanes.
  var mx = -3.402823e38;
  for (var j = lane; j < L; j += TPR) { mx = max(mx, s[r * L + j]); }
${rowReduce('mx', 'max')}
  var sum = 0.0;
  for (var j = lane; j < L; j += TPR) {
    let e = exp(s[r * L + j] - mx);
    s[r * L + j] = e;
    sum += e;
  }
${rowReduce('sum', 'sum')}
  let live = i0 + r < L;
  for (var j = lane; j < L; j += TPR) {
    var pd = 0.0;
    if (live) {
      let ix = pix(b, h, i0 + r, j);
      let p = s[r * L + j] / sum;
      probs[ix] = p;
      pd = p * keep(ix);
    }
    s[r * L + j] = pd;
  }
  workgroupBarrier();
  // C = P' V for the tile's rows.
${tileTimesHead('v', 'ctx', '')}
}`;

const backwardRows = (wg: number) => /* wgsl */ `
${header(wg)}
${loadRows('dc')}
  // dP' = dC Vᵀ, through the mask: dP.
${rowsTimesHead(
  'v',
  `    for (var rr = 0u; rr < TR; rr++) {
      var dp = 0.0;
      if (i0 + rr < L) { dp = acc[rr] * keep(pix(b, h, i0 + rr, j)); }
      s[rr * L + j] = dp;
    }`,
)}
  let live = i0 + r < L;
  var rowDot = 0.0;
  if (live) {
    for (var j = lane; j < L; j += TPR) { rowDot += probs[pix(b, h, i0 + r, j)] * s[r * L + j]; }
  }
${rowReduce('rowDot', 'sum')}
  for (var j = lane; j < L; j += TPR) {
    var ds = 0.0;
    if (live) {
      ds = probs[pix(b, h, i0 + r, j)] * (s[r * L + j] - rowDot);
      // Stored transposed, [B, nh, L(keys), L(queries)]: the key pass reads it along queries.
      dsT[pix(b, h, j, i0 + r)] = ds;
    }
    s[r * L + j] = ds;
  }
  workgroupBarrier();
  // dQ = scale · dS K
${tileTimesHead('k', 'dq', ' * u.scale')}
}`;

/**
 * Accumulators per thread in the key pass: TR keys × hd outputs over WG threads, for heads up to
 * HD_MAX; a one-thread workgroup's pipeline is made for its head size (`hd`), since every slot
 * past it would be a loop turn and 2 × 4 bytes of private memory for nothing.
 */
const SLOTS = (tr: number, wg: number, hd: number) =>
  Math.ceil((tr * (wg === 1 ? hd : HD_MAX)) / wg);

const backwardKeys = (tr: number, wg: number, hd: number) => /* wgsl */ `
${header(wg)}
  // Here the tile is TR keys j0 = i0.., and the workgroup walks the queries in blocks of WG:
  // s[c·WG + ii] holds dSᵀ[j0 + c, block + ii], rows_sh[c·WG + ii] holds P'[block + ii, j0 + c].
  var accK = array<f32, ${SLOTS(tr, wg, hd)}>();
  var accV = array<f32, ${SLOTS(tr, wg, hd)}>();
  for (var base = 0u; base < L; base += WG) {
    let i = base + t;
    for (var c = 0u; c < TR; c++) {
      let j = i0 + c;
      var ds = 0.0;
      var pd = 0.0;
      if (i < L && j < L) {
        ds = dsT[pix(b, h, j, i)];
        let ix = pix(b, h, i, j);
        pd = probs[ix] * keep(ix);
      }
      s[c * WG + t] = ds;
      rows_sh[c * WG + t] = pd;
    }
    workgroupBarrier();
    let n = min(WG, L - base);
    for (var slot = 0u; slot < ${SLOTS(tr, wg, hd)}u; slot++) {
      let x = t + slot * WG;
      if (x < TR * u.hd) {
        let c = x / u.hd;
        let d = x % u.hd;
        var ak = 0.0;
        var av = 0.0;
        for (var ii = 0u; ii < n; ii++) {
          ak += s[c * WG + ii] * q[at(b, base + ii, h, d)];
          av += rows_sh[c * WG + ii] * dc[at(b, base + ii, h, d)];
        }
        accK[slot] += ak;
        accV[slot] += av;
      }
    }
    workgroupBarrier();
  }
  for (var slot = 0u; slot < ${SLOTS(tr, wg, hd)}u; slot++) {
    let x = t + slot * WG;
    if (x < TR * u.hd) {
      let c = x / u.hd;
      let d = x % u.hd;
      if (i0 + c < L) {
        dk[at(b, i0 + c, h, d)] = accK[slot] * u.scale;
        dv[at(b, i0 + c, h, d)] = accV[slot];
      }
    }
  }
}`;

interface Geometry {
  B: number;
  L: number;
  H: number;
  nh: number;
  hd: number;
  tr: number;
  /** Threads per workgroup. */
  wg: number;
  /** Floats of the score tile `s` and of the row tile `rows_sh`. */
  scores: number;
  rowFloats: number;
}

const passes = new Map<string, string>();

/**
 * The WGSL of pass `key`: `common` then `pass()`, as one thread's code when a workgroup is one
 * thread; assembled once per key.
 */
const passCode = (key: string, g: Geometry, pass: () => string) =>
  once(passes, key, () => {
    const code = common(g) + pass();
    return g.wg === 1 ? singleInvocation(code) : code;
  });

function uniforms(g: Geometry, a: Attrs): Uniform[] {
  const u32 = (name: string, value: number): Uniform => ({ name, type: 'u32', value });
  const f32 = (name: string, value: number): Uniform => ({ name, type: 'f32', value });
  return [
    u32('B', g.B),
    u32('L', g.L),
    u32('H', g.H),
    u32('hd', g.hd),
    u32('nh', g.nh),
    f32('scale', a.scale),
    u32('dropOn', a.rate !== 0 ? 1 : 0),
    u32('seed', a.seed >>> 0),
    u32('threshold', dropThresholdU32(a.rate)),
    f32('dropScale', 1 / (1 - a.rate)),
  ];
}

function geometry(gpu: Gpu, B: number, L: number, H: number, nh: number): Geometry {
  const hd = H / nh;
  if (hd > HD_MAX)
    throw new Error(`attention on WebGPU takes heads of at most ${HD_MAX} values, not ${hd}`);
  if (!narrowWorkgroups(gpu)) {
    const tr = rowsPerTile(L, WG);
    return { B, L, H, nh, hd, tr, wg: WG, scores: SCORES, rowFloats: tr * HD_MAX };
  }
  // One thread, one row (TR = 1): its tiles live in private memory, which WGSL zeroes at every
  // invocation, so they are sized to this row (L scores, hd values) rather than to the limits.
  return { B, L, H, nh, hd, tr: 1, wg: 1, scores: L, rowFloats: hd };
}

/**
 * One pass over the tiles of `g`: a workgroup per (row tile, head, batch item), or in the narrow
 * form an invocation per (row, head, batch item).
 */
function pass(
  gpu: Gpu,
  g: Geometry,
  us: Uniform[],
  name: string,
  body: () => string,
  bindings: Binding[],
) {
  const key = `attention-${name}-${g.tr}-${g.wg}-${g.scores}-${g.rowFloats}`;
  dispatch(gpu, {
    key,
    bindings,
    uniforms: us,
    body: passCode(key, g, body),
    workgroups:
      g.wg === 1
        ? grid(Math.ceil((g.B * g.nh * g.L) / NARROW_GROUP))
        : [Math.ceil(g.L / g.tr), g.nh, g.B],
  });
}

function forward(gpu: Gpu, [q, k, v, mask]: tf.TensorInfo[], a: Attrs): tf.TensorInfo[] {
  const B = mask.shape[0];
  const L = mask.shape[mask.shape.length - 1];
  const g = geometry(gpu, B, L, q.shape[1], a.heads);
  const ctx = output(gpu, q.shape);
  const probs = output(gpu, [B, g.nh, L, L]);
  pass(
    gpu,
    g,
    uniforms(g, a),
    'forward',
    () => forwardPass(g.wg),
    bind({ q, k, v, mask }, { ctx, probs }),
  );
  return [ctx, probs];
}

function backward(gpu: Gpu, [dc, q, k, v, probs]: tf.TensorInfo[], a: Attrs): tf.TensorInfo[] {
  const [B, nh, L] = probs.shape;
  const g = geometry(gpu, B, L, q.shape[1], nh);
  const [dq, dk, dv] = [q, k, v].map((t) => output(gpu, t.shape));
  const dsT = output(gpu, probs.shape);
  const us = uniforms(g, a);
  pass(
    gpu,
    g,
    us,
    'backward-rows',
    () => backwardRows(g.wg),
    bind({ dc, k, v, probs }, { dq, dsT }),
  );
  pass(
    gpu,
    g,
    us,
    // A one-thread workgroup's key pass is made for its head size (SLOTS).
    `backward-keys-${g.wg === 1 ? g.hd : HD_MAX}`,
    () => backwardKeys(g.tr, g.wg, g.hd),
    bind({ dc, q, probs, dsT }, { dk, dv }),
  );
  // Released once the command buffer that reads it is submitted.
  gpu.disposeData(dsT.dataId);
  return [dq, dk, dv];
}

registerGpuKernel('AttuneAttention', forward);
registerGpuKernel('AttuneAttentionGrad', backward);
