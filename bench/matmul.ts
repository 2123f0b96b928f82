import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from '../src/lib/kernels/arrays.ts';
import { at, gemmNT, heapGemmNT } from '../src/lib/kernels/gemm.ts';
import { scratch, simdGemm } from '../src/lib/kernels/simd.ts';
import { kernelPool } from '../src/lib/kernels/threads/pool.ts';

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
 * `threads` threads), through our SIMD gemm (`simd.ts`, one thread), which the attention
 * kernels and every cpu-backend product run on, and, on the threaded build, through the same gemm
 * in place on the heap over the kernel pool, which the linear layers run on there.
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
  const pool = kernelPool();
  if (backend === 'wasm' && pool) {
    // The linear layers' product on the threaded build: in place on the heap, over the pool.
    const [x, y, out] = [tf.randomNormal([m, k]), tf.randomNormal([n, k]), tf.zeros([m, n])];
    const wasm = tf.backend() as unknown as WasmBackend;
    const [xv, yv, outv] = [x, y, out].map((t) => wasm.typedArrayFromHeap(t) as Float32Array);
    figures.push({
      what: `attune SIMD gemm on the wasm heap (${pool.threads} threads, kernel pool)`,
      shape: [...shape],
      gflops: rate(shape, () => heapGemmNT(xv, yv, outv, m, k, n)),
    });
    tf.dispose([x, y, out]);
  }
  return figures;
}
