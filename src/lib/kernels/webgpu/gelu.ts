import type * as tf from '@tensorflow/tfjs';
import { flatGroups, flatMain, runShader, type Shader } from './dispatch.ts';
import { registerGpuKernel } from './shader.ts';

/**
 * `AttuneGelu` and `AttuneGeluGrad` (../gelu.ts): exact GELU `x·Φ(x)` and `dy·(Φ(x) + x·φ(x))`,
 * one thread per element. WGSL has no erf, so Φ(x) = ½(1 + erf(x/√2)) comes from N. Juffa's
 * float32 erf (minimax fits, within 1 ulp: |error| < 3e-8 against the float64 series of
 * ../gelu.ts over [−6, 6]): an odd polynomial in z for |z| ≤ 0.9277, and erfc(|z|) = exp(r(|z|))
 * beyond it, so the left tail ½·erfc(|z|) keeps its relative precision instead of cancelling in
 * 1 − erf.
 */

const PER_GROUP = 256;

const CDF = /* wgsl */ `
fn cdf(x: f32) -> f32 {
  let z = x * 0.70710678118654752;
  let t = abs(z);
  if (t > 0.927734375) {
    var r = fma(-1.72853470e-5, t, 3.83197126e-4);
    let q = fma(-3.88396438e-3, t, 2.42546219e-2);
    r = fma(r, t * t, q);
    r = fma(r, t, -1.06777877e-1);
    r = fma(r, t, -6.34846687e-1);
    r = fma(r, t, -1.28717512e-1);
    r = fma(r, t, -t);
    let tail = 0.5 * exp(r);
    return select(1.0 - tail, tail, z < 0.0);
  }
  let s = z * z;
  var p = -5.96761703e-4;
  p = fma(p, s, 4.99119423e-3);
  p = fma(p, s, -2.67681349e-2);
  p = fma(p, s, 1.12819925e-1);
  p = fma(p, s, -3.76125336e-1);
  p = fma(p, s, 1.28379166e-1);
  return 0.5 + 0.5 * fma(p, z, z);
}`;

function elementwise(key: string, inputs: string[], value: string): Shader {
  return {
    key: `AttuneGelu/webgpu/${key}`,
    outputs: ['y'],
    inputs: inputs.map((n) => [n, 'f32'] as const),
    uniforms: [['size', 'u32']],
    code:
      CDF +
      flatMain(
        PER_GROUP,
        'i',
        `  if (i >= u.size) { return; }
  let v = x[i];
  y[i] = ${value};`,
      ),
  };
}

const FORWARD = elementwise('forward', ['x'], 'v * cdf(v)');
// φ(v) = exp(−v²/2)/√(2π).
const BACKWARD = elementwise(
  'backward',
  ['dy', 'x'],
  'dy[i] * (cdf(v) + v * 0.39894228040143268 * exp(-0.5 * v * v))',
);

function run(backend: unknown, shader: Shader, inputs: tf.TensorInfo[]): tf.TensorInfo {
  const shape = inputs[0].shape;
  const size = shape.reduce((a, b) => a * b, 1);
  return runShader(backend, shader, inputs, [shape], [size], flatGroups(size, PER_GROUP))[0];
}

registerGpuKernel('AttuneGelu', (gpu, inputs) => run(gpu, FORWARD, inputs));
registerGpuKernel('AttuneGeluGrad', (gpu, inputs) => run(gpu, BACKWARD, inputs));
