import * as tf from '@tensorflow/tfjs';
import { asGpu, dispatch, grid, output, type Binding, type Gpu } from './shader.ts';

/**
 * `AttuneMeanPool` and its gradient (../pooling.ts) on WebGPU, one dispatch each way:
 *
 *   y[b, h] = Σₗ x[b, l, h]·m[b, l] / max(Σₗ m[b, l], 1e-9)      one thread per (b, h)
 *   ∂x[b, l, h] = ∂y[b, h] · m[b, l] / max(Σₗ m[b, l], 1e-9)      one thread per (b, l, h)
 *
 * The mask arrives as int32 or float32 (its own pipeline each).
 */
const WG = 64;

const COUNT = /* wgsl */ `
fn count(b: u32) -> f32 {
  var n = 0.0;
  for (var l = 0u; l < u.L; l++) { n += f32(mask[b * u.L + l]); }
  return max(n, 1e-9);
}
fn index(wid: vec3<u32>, nwg: vec3<u32>, t: u32) -> u32 { return (wid.y * nwg.x + wid.x) * ${WG}u + t; }`;

const FORWARD = /* wgsl */ `
${COUNT}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let i = index(wid, nwg, t);
  if (i >= u.B * u.H) { return; }
  let b = i / u.H;
  let h = i % u.H;
  var sum = 0.0;
  for (var l = 0u; l < u.L; l++) {
    sum += f32(mask[b * u.L + l]) * tokens[(b * u.L + l) * u.H + h];
  }
  pooled[i] = sum / count(b);
}`;

const BACKWARD = /* wgsl */ `
${COUNT}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let i = index(wid, nwg, t);
  if (i >= u.B * u.L * u.H) { return; }
  let b = i / (u.L * u.H);
  let l = (i / u.H) % u.L;
  let h = i % u.H;
  dx[i] = dy[b * u.H + h] * (f32(mask[b * u.L + l]) / count(b));
}`;

function run(
  gpu: Gpu,
  key: string,
  body: string,
  bindings: Binding[],
  B: number,
  L: number,
  H: number,
  n: number,
) {
  dispatch(gpu, {
    key,
    bindings,
    uniforms: [
      { name: 'B', type: 'u32', value: B },
      { name: 'L', type: 'u32', value: L },
      { name: 'H', type: 'u32', value: H },
    ],
    body,
    workgroups: grid(Math.ceil(n / WG)),
  });
}

tf.registerKernel({
  kernelName: 'AttuneMeanPool',
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend }) => {
    const gpu = asGpu(backend);
    const [tokens, mask] = Object.values(inputs) as tf.TensorInfo[];
    const [B, L, H] = tokens.shape;
    const pooled = output(gpu, [B, H]);
    const bindings: Binding[] = [
      { name: 'tokens', tensor: tokens, access: 'read' },
      { name: 'mask', tensor: mask, access: 'read' },
      { name: 'pooled', tensor: pooled, access: 'read_write' },
    ];
    run(gpu, 'mean-pool', FORWARD, bindings, B, L, H, B * H);
    return pooled;
  },
});

tf.registerKernel({
  kernelName: 'AttuneMeanPoolGrad',
  backendName: 'webgpu',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = asGpu(backend);
    const [dy, mask] = Object.values(inputs) as tf.TensorInfo[];
    const [B, H] = dy.shape;
    const L = (attrs as unknown as { length: number }).length;
    const dx = output(gpu, [B, L, H]);
    const bindings: Binding[] = [
      { name: 'dy', tensor: dy, access: 'read' },
      { name: 'mask', tensor: mask, access: 'read' },
      { name: 'dx', tensor: dx, access: 'read_write' },
    ];
    run(gpu, 'mean-pool-grad', BACKWARD, bindings, B, L, H, B * L * H);
    return dx;
  },
});
