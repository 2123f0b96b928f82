/**
 * Dense float32 matrix helpers for the typed-array kernels. Every product is taken in the
 * dot-product form `out[i, j] = Σ_p a[i, p] · b[j, p]` (both operands walked along contiguous
 * rows), four rows of `a` against two of `b` at a time: eight running sums in registers for six
 * loads, which V8 runs at 2–3 GFLOP/s where tfjs-backend-cpu's matMul reaches 0.5.
 * Sums are carried in float64 and rounded once on store.
 */
import { simdGemm } from './simd.ts';

export interface Matrix {
  data: Float32Array;
  /** Offset of element [0, 0]. */
  offset: number;
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
  if (
    !simd ||
    k % 4 !== 0 ||
    a.data.buffer !== buffer ||
    b.data.buffer !== buffer ||
    out.data.buffer !== buffer
  ) {
    gemmScalar(a, b, out, m, k, n, alpha, accumulate, 0, 0);
    return;
  }
  simd.gemm(
    a.data.byteOffset + a.offset * 4,
    b.data.byteOffset + b.offset * 4,
    out.data.byteOffset + out.offset * 4,
    m,
    k,
    n,
    alpha,
    accumulate ? 1 : 0,
  );
  const m2 = m & ~1;
  const n4 = n & ~3;
  // The last row (m odd) in full, then the last columns (n mod 4) of the blocked rows.
  if (m2 < m) gemmScalar(a, b, out, m, k, n, alpha, accumulate, m2, 0);
  if (n4 < n) gemmScalar(a, b, out, m2, k, n, alpha, accumulate, 0, n4);
}

/** Rows [row0, m) × columns [col0, n) of the product, in JavaScript. */
function gemmScalar(
  a: Matrix,
  b: Matrix,
  out: Matrix,
  m: number,
  k: number,
  n: number,
  alpha: number,
  accumulate: boolean,
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
  const S = src.data;
  const D = dst.data;
  let r0 = 0;
  for (; r0 + 8 <= rows; r0 += 8) {
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
  for (; r0 < rows; r0++)
    for (let c = 0; c < cols; c++) D[dst.offset + c * rows + r0] = S[src.offset + r0 * cols + c];
}

export const at = (data: Float32Array, offset = 0): Matrix => ({ data, offset });
