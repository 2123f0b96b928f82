import { groups, sizeOf, slotMain, slotUniforms, WG } from './multi-tensor.ts';
import {
  dispatch,
  grid,
  narrowWorkgroups,
  output,
  registerGpuKernel,
  storageLimit,
  type Binding,
} from './shader.ts';

/**
 * `AttuneGlobalNorm` (../grad-norm.ts) on WebGPU.
 *
 * The norm: one dispatch per group of tensors writes each workgroup's Σx² over its chunk
 * (a tree sum in workgroup memory) to a partial-sums buffer; one last single-workgroup dispatch
 * sums each tensor's partials in a fixed order, takes its float32 norm, and returns
 * √(Σ ‖gᵢ‖²) — torch's norm of the per-parameter norms, deterministic run to run.
 */
const TREE = /* wgsl */ `
var<workgroup> tree: array<f32, ${WG}>;
/** Σ over the workgroup of each thread's \`value\`; the result in tree[0]. */
fn treeSum(t: u32, value: f32) {
  tree[t] = value;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride >>= 1u) {
    if (t < stride) { tree[t] += tree[t + stride]; }
    workgroupBarrier();
  }
}`;

/**
 * The narrow form (CPU-backed adapters, which run a workgroup with barriers as coroutines): each
 * thread writes its own Σx² to `partials` — WG partials per workgroup, no tree — and one thread
 * sums them in order.
 */
const narrowPartialsBody = (slots: number) =>
  slotMain(
    slots,
    (k) => `var ss = 0.0;
    for (var i = lo + t; i < hi; i += ${WG}u) { let v = x${k}[i]; ss += v * v; }
    partials[(u.base + w) * ${WG}u + t] = ss;`,
  );

const NARROW_FINAL = /* wgsl */ `
@compute @workgroup_size(1)
fn main() {
  var total = 0.0;
  for (var k = 0u; k < u.count; k++) {
    let first = u32(ranges[2u * k]) * ${WG}u;
    let n = u32(ranges[2u * k + 1u]) * ${WG}u;
    var ss = 0.0;
    for (var i = 0u; i < n; i++) { ss += partials[first + i]; }
    let nk = sqrt(ss);
    total += nk * nk;
  }
  norm[0] = sqrt(total);
}`;

const partialsBody = (slots: number) =>
  TREE +
  slotMain(
    slots,
    (k) => `var ss = 0.0;
    for (var i = lo + t; i < hi; i += ${WG}u) { let v = x${k}[i]; ss += v * v; }
    treeSum(t, ss);
    if (t == 0u) { partials[u.base + w] = tree[0]; }`,
    // Every thread reaches the barriers of treeSum: the slot branch is uniform per workgroup.
    `if (w >= u.w${slots}) { return; }`,
  );

const FINAL = /* wgsl */ `
${TREE}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) t: u32) {
  var total = 0.0;
  for (var k = 0u; k < u.count; k++) {
    let first = u32(ranges[2u * k]);
    let n = u32(ranges[2u * k + 1u]);
    var ss = 0.0;
    for (var i = t; i < n; i += ${WG}u) { ss += partials[first + i]; }
    treeSum(t, ss);
    let nk = sqrt(tree[0]);
    total += nk * nk;
    workgroupBarrier();
  }
  if (t == 0u) { norm[0] = sqrt(total); }
}`;

registerGpuKernel('AttuneGlobalNorm', (gpu, xs) => {
  // One binding for the partial sums, the rest for tensors.
  const plan = groups(xs, storageLimit(gpu) - 1, sizeOf);
  const narrow = narrowWorkgroups(gpu);
  const totalWorkgroups = plan.reduce((n, g) => n + g.starts[g.starts.length - 1], 0);
  const partials = output(gpu, [Math.max(totalWorkgroups, 1) * (narrow ? WG : 1)]);
  const ranges = new Int32Array(2 * xs.length);
  let base = 0;
  let k = 0;
  for (const g of plan) {
    const slots = g.items.length;
    g.items.forEach((_, i) => {
      ranges[2 * k] = base + g.starts[i];
      ranges[2 * k + 1] = g.starts[i + 1] - g.starts[i];
      k++;
    });
    const bindings: Binding[] = [
      ...g.items.map((x, i) => ({ name: `x${i}`, tensor: x, access: 'read' as const })),
      { name: 'partials', tensor: partials, access: 'read_write' },
    ];
    dispatch(gpu, {
      key: `global-norm-partials-${slots}${narrow ? '-narrow' : ''}`,
      bindings,
      uniforms: [
        ...slotUniforms(g.starts, g.items.map(sizeOf)),
        { name: 'base', type: 'u32', value: base },
      ],
      body: narrow ? narrowPartialsBody(slots) : partialsBody(slots),
      workgroups: grid(g.starts[slots]),
    });
    base += g.starts[slots];
  }
  const table = gpu.makeTensorInfo([ranges.length], 'int32', ranges);
  const norm = output(gpu, []);
  dispatch(gpu, {
    key: narrow ? 'global-norm-narrow' : 'global-norm',
    bindings: [
      { name: 'partials', tensor: partials, access: 'read' },
      { name: 'ranges', tensor: table, access: 'read' },
      { name: 'norm', tensor: norm, access: 'read_write' },
    ],
    uniforms: [{ name: 'count', type: 'u32', value: xs.length }],
    body: narrow ? NARROW_FINAL : FINAL,
    workgroups: [1, 1, 1],
  });
  gpu.disposeData(partials.dataId);
  gpu.disposeData(table.dataId);
  return norm;
});
