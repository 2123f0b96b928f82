import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { globalNorm, setKernelRoute } from '../../../src/lib/kernels/index.ts';
import { chunksOf } from '../../../src/lib/kernels/chunks.ts';
import { BACKENDS, randn, SUITE, useBackend } from './routes.ts';

/** Gradient-like tensors of awkward sizes: a matrix, a vector of 5 (not a multiple of 4), one value. */
const make = () => [randn([30, 7], 1), randn([5], 2, 3), randn([1], 3)];

/** ‖(‖x₁‖, ‖x₂‖, …)‖ in float64 from the tensors' values. */
async function normOfNorms(tensors: tf.Tensor[]): Promise<number> {
  const values = await Promise.all(tensors.map((t) => t.data()));
  const squares = values.map((x) => Array.from(x).reduce((s, v) => s + v * v, 0));
  return Math.sqrt(squares.reduce((s, q) => s + q, 0));
}

const read = async (t: tf.Tensor) => Array.from(await t.data());

function onRoute<T>(route: 'stock' | 'attune', f: () => T): T {
  setKernelRoute(route);
  try {
    return f();
  } finally {
    setKernelRoute('attune');
  }
}

describe('chunksOf', () => {
  it('cuts a run before the item that would take it past the limit', () => {
    const sizes = [3, 5, 2, 9, 1];
    expect(chunksOf(sizes, (n) => n, 8)).toEqual([[3, 5], [2], [9], [1]]);
  });
});

describe.each([...BACKENDS, 'webgpu'])('global norm on %s', SUITE, (backend) => {
  it('the norm of all tensors equals the stock chain and the float64 norm of norms', async () => {
    await useBackend(backend);
    const xs = make();
    const want = await normOfNorms(xs);
    const ours = onRoute('attune', () => globalNorm(xs));
    const stock = onRoute('stock', () => globalNorm(xs));
    const [[o], [s]] = [await read(ours), await read(stock)];
    // cpu and wasm sum in float64 and round once; the GPU sums float32 partials, as torch does.
    expect(Math.abs(o - want) / want).toBeLessThan(backend === 'webgpu' ? 1e-6 : 1e-7);
    expect(Math.abs(o - s) / want).toBeLessThan(1e-6);
    tf.dispose([...xs, ours, stock]);
  });

  it('takes more tensors than one shader binds, some spanning several workgroups', async () => {
    await useBackend(backend);
    // 25 tensors: more than the 8–12 storage buffers a shader binds; 10,000 values > one chunk.
    const xs = Array.from({ length: 25 }, (_, i) => randn([i === 3 ? 10_000 : 1 + 37 * i], 50 + i));
    const want = await normOfNorms(xs);
    const norm = globalNorm(xs);
    const [o] = await read(norm);
    expect(Math.abs(o - want) / want).toBeLessThan(backend === 'webgpu' ? 1e-6 : 1e-7);
    tf.dispose([...xs, norm]);
  });

  it('the norm of no tensors is 0', async () => {
    await useBackend(backend);
    const n = globalNorm([]);
    expect(await read(n)).toEqual([0]);
    n.dispose();
  });

  it('takes one dispatch for the norm, leaving no tensor behind', async () => {
    await useBackend(backend);
    const xs = make();
    const before = tf.memory().numTensors;
    const norm = (await tf.profile(() => globalNorm(xs).dispose())).kernels.map((k) => k.name);
    expect(norm).toEqual(['AttuneGlobalNorm']);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  });
});
