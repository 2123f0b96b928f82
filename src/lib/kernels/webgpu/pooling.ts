import type * as tf from '@tensorflow/tfjs';
import { flatGroups, flatMain, runShader, type Scalar, type Shader } from './dispatch.ts';
import { registerGpuKernel, type Gpu } from './shader.ts';

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
}`;

const SIZES: [string, Scalar][] = [
  ['B', 'u32'],
  ['L', 'u32'],
  ['H', 'u32'],
];

/**
 * The pass `name`: one thread per element `i` of `output`, reading `input` and the mask; one
 * shader for each mask type.
 */
function shaders(name: string, output: string, input: string, body: string) {
  const of = (mask: Scalar): Shader => ({
    key: `${name}/webgpu/${mask}`,
    outputs: [output],
    inputs: [
      [input, 'f32'],
      ['mask', mask],
    ],
    uniforms: SIZES,
    code: COUNT + flatMain(WG, 'i', body),
  });
  return { f32: of('f32'), i32: of('i32') };
}

const FORWARD = shaders(
  'AttuneMeanPool',
  'pooled',
  'tokens',
  `  if (i >= u.B * u.H) { return; }
  let b = i / u.H;
  let h = i % u.H;
  var sum = 0.0;
  for (var l = 0u; l < u.L; l++) {
    sum += f32(mask[b * u.L + l]) * tokens[(b * u.L + l) * u.H + h];
  }
  pooled[i] = sum / count(b);`,
);

const BACKWARD = shaders(
  'AttuneMeanPoolGrad',
  'dx',
  'dy',
  `  if (i >= u.B * u.L * u.H) { return; }
  let b = i / (u.L * u.H);
  let l = (i / u.H) % u.L;
  let h = i % u.H;
  dx[i] = dy[b * u.H + h] * (f32(mask[b * u.L + l]) / count(b));`,
);

const maskType = (mask: tf.TensorInfo) => (mask.dtype === 'float32' ? 'f32' : 'i32');

/** One thread per element of the output, `[B, H]` forward and `[B, L, H]` backward. */
function run(
  gpu: Gpu,
  shader: Shader,
  inputs: tf.TensorInfo[],
  shape: number[],
  [B, L, H]: number[],
) {
  const size = shape.reduce((a, b) => a * b, 1);
  return runShader(gpu, shader, inputs, [shape], [B, L, H], flatGroups(size, WG))[0];
}

registerGpuKernel('AttuneMeanPool', (gpu, [tokens, mask]) => {
  const [B, L, H] = tokens.shape;
  return run(gpu, FORWARD[maskType(mask)], [tokens, mask], [B, H], [B, L, H]);
});

registerGpuKernel<{ length: number }>('AttuneMeanPoolGrad', (gpu, [dy, mask], { length: L }) => {
  const [B, H] = dy.shape;
  return run(gpu, BACKWARD[maskType(mask)], [dy, mask], [B, L, H], [B, L, H]);
});
