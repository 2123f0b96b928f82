import * as tf from '@tensorflow/tfjs';
import { at, gemmNT } from '../src/lib/kernels/gemm.ts';
import { scratch, simdGemm } from '../src/lib/kernels/simd.ts';

/** GFLOP/s of one plain product on our side, beside PyTorch's figure for the same shape. */
export interface MatmulFigure {
  /** What computed it: `tfjs wasm matMul (XNNPACK, 2 threads)`, `attune SIMD gemm (1 thread)`. */
  what: string;
  shape: number[];
  gflops: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median GFLOP/s of `run` for a `[m, k] · [k, n]` product, after five untimed calls. */
function rate([m, k, n]: readonly number[], run: () => void): number {
  for (let i = 0; i < 5; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    run();
    samples.push(performance.now() - t);
  }
  return (2 * m * k * n) / (median(samples) / 1000) / 1e9;
}

/**
 * The `[m, k] · [k, n]` product through tfjs's `matMul` on the active backend (wasm: XNNPACK on
 * `threads` threads), and through our SIMD gemm (`simd.ts`, one thread), which the attention
 * kernels and every cpu-backend product run on.
 */
export function matmulFigures(shape: readonly number[], threads: number): MatmulFigure[] {
  const [m, k, n] = shape;
  const figures: MatmulFigure[] = [];
  const backend = tf.getBackend();
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  const tfjsRate = rate(shape, () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  tf.dispose([a, b]);
  const xnnpack = backend === 'wasm' ? `XNNPACK, ${threads} thread${threads === 1 ? '' : 's'}` : '';
  figures.push({
    what: `tfjs ${backend} matMul${xnnpack ? ` (${xnnpack})` : ''}`,
    shape: [...shape],
    gflops: tfjsRate,
  });
  const simd = simdGemm();
  if (simd) {
    // The dot-product form: a [m, k] against bᵀ [n, k].
    const [x, y, out] = scratch([m * k, n * k, m * n]);
    x.fill(0.5);
    y.fill(0.25);
    figures.push({
      what: `attune SIMD gemm (1 thread, ${simd.relaxed ? 'relaxed SIMD multiply-add' : 'multiply then add'})`,
      shape: [...shape],
      gflops: rate(shape, () => gemmNT(at(x), at(y), at(out), m, k, n)),
    });
  }
  return figures;
}
