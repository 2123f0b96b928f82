import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { globalNorm, scaleAll, setKernelRoute } from '../../../src/lib/kernels/index.ts';
import { chunksOf } from '../../../src/lib/kernels/chunks.ts';
import { BACKENDS, randn, useBackend } from './routes.ts';

/** Gradient-like tensors of awkward sizes: a matrix, a vector of 5 (not a multiple of 4), one value. */
const make = () => [randn([30, 7], 1), randn([5], 2, 3), randn([1], 3)];

/** ‖(‖x₁‖, ‖x₂‖, …)‖ in float64 from the tensors' values. */
function normOfNorms(tensors: tf.Tensor[]): number {
  const squares = tensors.map((t) => Array.from(t.dataSync()).reduce((s, v) => s + v * v, 0));
  return Math.sqrt(squares.reduce((s, q) => s + q, 0));
}

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

describe.each(BACKENDS)('global norm and scaling on %s', (backend) => {
  it('the norm of all tensors equals the stock chain and the float64 norm of norms', async () => {
    await useBackend(backend);
    const xs = make();
    const want = normOfNorms(xs);
    const ours = onRoute('attune', () => globalNorm(xs));
    const stock = onRoute('stock', () => globalNorm(xs));
    const [o, s] = [ours.dataSync()[0], stock.dataSync()[0]];
    expect(Math.abs(o - want) / want).toBeLessThan(1e-7);
    expect(Math.abs(o - s) / want).toBeLessThan(1e-6);
    tf.dispose([...xs, ours, stock]);
  });

  it('the norm of no tensors is 0', async () => {
    await useBackend(backend);
    const n = globalNorm([]);
    expect(n.dataSync()[0]).toBe(0);
    n.dispose();
  });

  it('scales every tensor by a float32 factor exactly as the stock product does', async () => {
    await useBackend(backend);
    const xs = make();
    const factor = 1 / 3;
    const ours = onRoute('attune', () => scaleAll(xs, factor));
    const stock = onRoute('stock', () => scaleAll(xs, factor));
    ours.forEach((t, i) => {
      expect(t.shape).toEqual(xs[i].shape);
      const want = Array.from(xs[i].dataSync(), (v) => Math.fround(v * Math.fround(factor)));
      expect(Array.from(t.dataSync())).toEqual(want);
      expect(Array.from(t.dataSync())).toEqual(Array.from(stock[i].dataSync()));
    });
    tf.dispose([...xs, ...ours, ...stock]);
  });

  it('takes one dispatch for the norm and one for the scaling, leaving no tensor behind', async () => {
    await useBackend(backend);
    const xs = make();
    const before = tf.memory().numTensors;
    let scaled: tf.Tensor[] = [];
    // Names read before the next profile: tfjs reuses one profile object.
    const norm = (await tf.profile(() => globalNorm(xs).dispose())).kernels.map((k) => k.name);
    expect(norm).toEqual(['AttuneGlobalNorm']);
    const scale = await tf.profile(() => {
      scaled = scaleAll(xs, 0.5);
    });
    expect(scale.kernels.map((k) => k.name)).toEqual(['AttuneScale']);
    expect(tf.memory().numTensors).toBe(before + xs.length);
    tf.dispose([...xs, ...scaled]);
  });
});
