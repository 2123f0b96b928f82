import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import os from 'node:os';
import { installNodeWebGPU } from '../../../src/cli/node-webgpu.ts';
import { startWasm } from '../../../src/cli/wasm-threads.ts';
import { MAX_WASM_THREADS } from '../../../src/lib/env/wasm-threads.ts';
import { setKernelRoute, type KernelRoute } from '../../../src/lib/kernels/index.ts';
import { setNarrowWorkgroups } from '../../../src/lib/kernels/webgpu/shader.ts';
import { mulberry32 } from '../../../src/lib/util/random.ts';

/** The backends our kernels are registered for; every kernel test runs on each. */
export const BACKENDS = ['cpu', 'wasm'] as const;

/**
 * WebGPU twice for the kernels with a narrow form (shader.ts): `webgpu` as the device picks it
 * (narrow on SwiftShader), `webgpu-wide` forcing the workgroup-memory form a GPU runs.
 */
export const WEBGPU_FORMS = ['webgpu', 'webgpu-wide'] as const;

const CORES = Math.min(os.availableParallelism(), MAX_WASM_THREADS);
/**
 * wasm on one thread and on every core (`wasm:N`: tfjs's threaded build, XNNPACK on N threads),
 * for the kernels whose products run on XNNPACK (linear) or beside it (attention), and the parity
 * runs.
 */
export const WASM_THREADS = ['wasm', ...(CORES > 1 ? [`wasm:${CORES}`] : [])];

/** A kernel test's time limit: on SwiftShader the first test compiles every stock pipeline it uses. */
export const SUITE = { timeout: 300_000 };

/**
 * Switches to `name` (`wasm:N`: wasm on N threads); `webgpu` runs on Dawn (SwiftShader without a GPU) and fails the test with
 * the reason when it cannot start, rather than skipping it.
 */
export async function useBackend(form: string): Promise<void> {
  const wasm = /^wasm(?::(\d+))?$/.exec(form);
  if (wasm) {
    const threads = Number(wasm[1] ?? 1);
    if ((await startWasm(threads)) !== threads)
      throw new Error(`wasm did not start on ${threads} thread(s)`);
    return;
  }
  const name = form === 'webgpu-wide' ? 'webgpu' : form;
  if (name === 'webgpu') {
    let reason = '';
    if (!(await installNodeWebGPU((why) => (reason = why))))
      throw new Error(`WebGPU cannot start in Node: ${reason}`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start`);
  await tf.ready();
  if (name === 'webgpu') {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    // SwiftShader, where these tests run, picks narrow; the wide form is forced, not skipped.
    setNarrowWorkgroups(device, form === 'webgpu');
  }
}

/** A seeded standard-normal tensor, so every run compares the same numbers. */
export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const u = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) * scale,
  );
  return tf.tensor(data, shape);
}

export interface Outcome {
  value: Float32Array;
  grads: Float32Array[];
}

/**
 * The op's value and its gradients w.r.t. `inputs` under `route`, with a fixed random upstream
 * gradient (the loss is Σ f(x)·u), read back as arrays (asynchronously: webgpu in Node has no
 * synchronous read-back).
 */
export async function outcome(
  route: KernelRoute,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): Promise<Outcome> {
  setKernelRoute(route);
  let results: tf.Tensor[];
  try {
    results = tf.tidy(() => {
      const value = f(...inputs);
      const upstream = randn(value.shape, 99);
      const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), upstream)))(inputs);
      return [value, ...grads];
    });
  } finally {
    setKernelRoute('attune');
  }
  const [value, ...grads] = (await Promise.all(results.map((t) => t.data()))) as Float32Array[];
  tf.dispose(results);
  return { value, grads };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Our kernel against the stock op chain: value and every gradient within `tol` (absolute). */
export async function expectSameAsStock(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  tol: number,
): Promise<void> {
  const ours = await outcome('attune', f, inputs);
  const stock = await outcome('stock', f, inputs);
  expect(maxAbsDiff(ours.value, stock.value), 'value').toBeLessThan(tol);
  ours.grads.forEach((g, i) =>
    expect(maxAbsDiff(g, stock.grads[i]), `gradient ${i}`).toBeLessThan(tol),
  );
}

/** Names of the kernels the engine dispatches for `f` on the attune route, forward and backward. */
export async function kernelsUsed(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): Promise<string[]> {
  setKernelRoute('attune');
  const profile = await tf.profile(() =>
    tf.tidy(() => tf.grads((...xs: tf.Tensor[]) => tf.sum(f(...xs)))(inputs)),
  );
  return profile.kernels.map((k) => k.name);
}
