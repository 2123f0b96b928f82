/**
 * Dense float32 matrix helpers for the typed-array kernels. Every product is taken in the
 * dot-product form `out[i, j] = Σ_p a[i, p] · b[j, p]` (both operands walked along contiguous
 * rows), four rows of `a` against two of `b` at a time: eight running sums in registers for six
 * loads, which V8 runs at 2–3 GFLOP/s where tfjs-backend-cpu's matMul reaches 0.5.
 * Sums are carried in float64 and rounded once on store.
 */
import { heapGemm, simdGemm, type SimdGemm } from './simd.ts';
import { rangeTask, threadHeap } from './threads/pool.ts';

export interface Matrix {
  data: Float32Array;
  /** Offset of element [0, 0]. */
  offset: number;
}

/** The product's shape and how it lands: `out[m, n] = alpha · a[m, k] · b[n, k]ᵀ` (+ out). */
interface Product {
  m: number;
  k: number;
  n: number;
  alpha: number;
  accumulate: boolean;
}

/**
 * `out[m, n] = alpha · a[m, k] · b[n, k]ᵀ` (+ `out` when `accumulate`). When all three live in
 * the SIMD module's memory and k is a multiple of 4, its kernel takes the 2×4-blocked part and
 * only the edges run here.
 */
export function gemmNT(
  a: Matrix,
  b: Matrix,
  out: Matrix,
  m: number,
  k: number,
  n: number,
  alpha = 1,
  accumulate = false,
): void {
  const simd = simdGemm();
  const buffer = simd?.memory.buffer;
  const p = { m, k, n, alpha, accumulate };
  if (
    !simd ||
    k % 4 !== 0 ||
    a.data.buffer !== buffer ||
    b.data.buffer !== buffer ||
    out.data.buffer !== buffer
  ) {
    gemmScalar(a, b, out, p, 0, 0);
    return;
  }
  simdProduct(simd, a, b, out, p);
}

/**
 * Columns of the output a call of the SIMD kernel takes: every row pair of a passes over the same
 * 64 rows of b (64·k floats, 96 KB at k = 384), which stay in the core's L2 cache; over all of b
 * at once each row pair would stream b from memory.
 */
const COLUMN_BLOCK = 64;

/** The product on `simd`, whose memory holds all three operands (k a multiple of 4). */
function simdProduct(simd: SimdGemm, a: Matrix, b: Matrix, out: Matrix, p: Product): void {
  const { m, k, n, alpha, accumulate } = p;
  const [aAt, bAt, outAt] = [a, b, out].map((x) => x.data.byteOffset + x.offset * 4);
  const m2 = m & ~1;
  const n4 = n & ~3;
  for (let j0 = 0; j0 < n4; j0 += COLUMN_BLOCK) {
    const columns = Math.min(COLUMN_BLOCK, n4 - j0);
    simd.gemm(aAt, bAt + j0 * k * 4, outAt + j0 * 4, m, k, columns, alpha, accumulate ? 1 : 0, n);
  }
  // The last row (m odd) in full, then the last columns (n mod 4) of the blocked rows.
  if (m2 < m) gemmScalar(a, b, out, p, m2, 0);
  if (n4 < n) gemmScalar(a, b, out, { ...p, m: m2 }, 0, n4);
}

/** Rows of the output a heap product's item takes: two of the SIMD kernel's row pairs. */
const HEAP_ROWS = 4;

/**
 * Items [start, end) of `out[m, n] = alpha · a[m, k] · b[n, k]ᵀ` (+ out when accumulating; with
 * a fourth array, bias `[n]`, every row starts from it and the product is added), computed in
 * place on this thread's wasm heap: an item is 4 rows of the output.
 */
const heapRows = rangeTask('gemmNT.heap', (arrays, [m, k, n, alpha, acc], start, end) => {
  const [a, b, out, bias] = arrays as Float32Array[];
  const r0 = start * HEAP_ROWS;
  const r1 = Math.min(m, end * HEAP_ROWS);
  if (bias) for (let i = r0; i < r1; i++) out.set(bias, i * n);
  const heap = threadHeap();
  const simd = heap && k % 4 === 0 ? heapGemm(heap) : null;
  const p = { m: r1 - r0, k, n, alpha, accumulate: acc === 1 || bias !== undefined };
  const [am, om] = [at(a, r0 * k), at(out, r0 * n)];
  if (simd) simdProduct(simd, am, at(b), om, p);
  else gemmScalar(am, at(b), om, p, 0, 0);
});

/**
 * `gemmNT` on tensors of the threaded wasm build's heap, in place, its rows split over the kernel
 * pool's threads. `bias`: the product is added to it, row by row.
 */
export function heapGemmNT(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
  {
    alpha = 1,
    accumulate = false,
    bias,
  }: { alpha?: number; accumulate?: boolean; bias?: Float32Array } = {},
): void {
  const arrays = bias ? [a, b, out, bias] : [a, b, out];
  heapRows.run(arrays, [m, k, n, alpha, accumulate ? 1 : 0], Math.ceil(m / HEAP_ROWS), m * k * n);
}

/** Rows [row0, m) × columns [col0, n) of the product, in JavaScript. */
function gemmScalar(
  a: Matrix,
  b: Matrix,
  out: Matrix,
  { m, k, n, alpha, accumulate }: Product,
  row0: number,
  col0: number,
): void {
  const A = a.data;
  const B = b.data;
  const C = out.data;
  const store = (at: number, v: number) => (C[at] = accumulate ? C[at] + alpha * v : alpha * v);
  let i = row0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a.offset + i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    let j = col0;
    for (; j + 2 <= n; j += 2) {
      const b0 = b.offset + j * k;
      const b1 = b0 + k;
      let s00 = 0,
        s01 = 0,
        s10 = 0,
        s11 = 0,
        s20 = 0,
        s21 = 0,
        s30 = 0,
        s31 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = B[b0 + p];
        const x1 = B[b1 + p];
        const r0 = A[a0 + p];
        const r1 = A[a1 + p];
        const r2 = A[a2 + p];
        const r3 = A[a3 + p];
        s00 += r0 * x0;
        s01 += r0 * x1;
        s10 += r1 * x0;
        s11 += r1 * x1;
        s20 += r2 * x0;
        s21 += r2 * x1;
        s30 += r3 * x0;
        s31 += r3 * x1;
      }
      const c = out.offset + i * n + j;
      store(c, s00);
      store(c + 1, s01);
      store(c + n, s10);
      store(c + n + 1, s11);
      store(c + 2 * n, s20);
      store(c + 2 * n + 1, s21);
      store(c + 3 * n, s30);
      store(c + 3 * n + 1, s31);
    }
    for (; j < n; j++) {
      const b0 = b.offset + j * k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = B[b0 + p];
        s0 += A[a0 + p] * x;
        s1 += A[a1 + p] * x;
        s2 += A[a2 + p] * x;
        s3 += A[a3 + p] * x;
      }
      const c = out.offset + i * n + j;
      store(c, s0);
      store(c + n, s1);
      store(c + 2 * n, s2);
      store(c + 3 * n, s3);
    }
  }
  for (; i < m; i++) {
    const a0 = a.offset + i * k;
    for (let j = col0; j < n; j++) {
      const b0 = b.offset + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[a0 + p] * B[b0 + p];
      store(out.offset + i * n + j, s);
    }
  }
}

/**
 * `dst[cols, rows] = src[rows, cols]ᵀ`, eight source rows at a time: each step reads one column
 * of an 8-row strip and writes eight contiguous values (3× faster in V8 than square tiles).
 */
export function transpose(src: Matrix, rows: number, cols: number, dst: Matrix): void {
  transposeRows(src, rows, cols, dst, 0, rows);
}

/** Source rows [r0, r1) of `transpose` (r0 a multiple of 8 for the strips to line up). */
function transposeRows(
  src: Matrix,
  rows: number,
  cols: number,
  dst: Matrix,
  start: number,
  end: number,
): void {
  const S = src.data;
  const D = dst.data;
  let r0 = start;
  for (; r0 + 8 <= end; r0 += 8) {
    for (let c = 0; c < cols; c++) {
      const o = dst.offset + c * rows + r0;
      const i = src.offset + r0 * cols + c;
      D[o] = S[i];
      D[o + 1] = S[i + cols];
      D[o + 2] = S[i + 2 * cols];
      D[o + 3] = S[i + 3 * cols];
      D[o + 4] = S[i + 4 * cols];
      D[o + 5] = S[i + 5 * cols];
      D[o + 6] = S[i + 6 * cols];
      D[o + 7] = S[i + 7 * cols];
    }
  }
  for (; r0 < end; r0++)
    for (let c = 0; c < cols; c++) D[dst.offset + c * rows + r0] = S[src.offset + r0 * cols + c];
}

/** Strips of 8 source rows [start, end) of a transpose. */
const transposeStrips = rangeTask('transpose', (arrays, [rows, cols], start, end) => {
  const [src, dst] = arrays as Float32Array[];
  transposeRows(at(src), rows, cols, at(dst), start * 8, Math.min(rows, end * 8));
});

/** `transpose` of whole arrays, its strips split over the kernel pool's threads where it runs. */
export function transposeSplit(src: Float32Array, rows: number, cols: number, dst: Float32Array) {
  transposeStrips.run([src, dst], [rows, cols], Math.ceil(rows / 8), rows * cols);
}

export const at = (data: Float32Array, offset = 0): Matrix => ({ data, offset });
