import { describe, expect, it } from 'vitest';
import { at, gemmNT, transpose } from '../../../src/lib/kernels/gemm.ts';
import { scratch, simdGemm } from '../../../src/lib/kernels/simd.ts';
import { mulberry32 } from '../../../src/lib/util/random.ts';

const random = (n: number, seed: number) => {
  const u = mulberry32(seed);
  return Float32Array.from({ length: n }, () => u() - 0.5);
};

describe('gemmNT', () => {
  // Sizes off the 4×2 blocking on both sides exercise every edge loop.
  it.each([
    [1, 1, 1],
    [4, 8, 2],
    [7, 5, 3],
    [13, 17, 9],
  ])('a[%i, %i]·b[%i, ·]ᵀ equals the triple loop, scaled and accumulated', (m, k, n) => {
    const a = random(m * k, 1);
    const b = random(n * k, 2);
    const start = random(m * n, 3);
    const out = start.slice();
    gemmNT(at(a), at(b), at(out), m, k, n, 0.5, true);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
        expect(out[i * n + j]).toBeCloseTo(start[i * n + j] + 0.5 * s, 6);
      }
  });

  it('reads and writes at the offsets given', () => {
    const a = new Float32Array([9, 9, 1, 2, 3, 4]);
    const b = new Float32Array([9, 5, 6]);
    const out = new Float32Array(4);
    gemmNT(at(a, 2), at(b, 1), at(out, 2), 2, 2, 1);
    expect(Array.from(out)).toEqual([0, 0, 1 * 5 + 2 * 6, 3 * 5 + 4 * 6]);
  });
});

describe('gemmNT on the SIMD kernel', () => {
  it.each([
    [2, 4, 4],
    [9, 12, 11],
    [32, 32, 32],
    [5, 384, 6],
  ])(
    'a[%i, %i]·b[%i, ·]ᵀ in the module memory equals the triple loop, edges included',
    (m, k, n) => {
      expect(simdGemm()).not.toBeNull();
      const [a, b, out] = scratch([m * k, n * k, m * n]);
      a.set(random(m * k, 4));
      b.set(random(n * k, 5));
      out.set(random(m * n, 6));
      const start = out.slice();
      gemmNT(at(a), at(b), at(out), m, k, n, 2, true);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
          // float32 sums in four lanes: within a few ulps of the float64 sum.
          expect(Math.abs(out[i * n + j] - (start[i * n + j] + 2 * s))).toBeLessThan(2e-5);
        }
    },
  );
});

describe('transpose', () => {
  it.each([
    [3, 5],
    [8, 8],
    [19, 7],
  ])('[%i, %i] → its transpose', (rows, cols) => {
    const src = Float32Array.from({ length: rows * cols }, (_, i) => i);
    const dst = new Float32Array(rows * cols);
    transpose(at(src), rows, cols, at(dst));
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) expect(dst[c * rows + r]).toBe(src[r * cols + c]);
  });
});
