import { describe, expect, it } from 'vitest';
import { at, gemmNT, transpose } from '../../../src/lib/kernels/gemm.ts';
import { heapGemm, instantiateSimdGemm, scratch, simdGemm } from '../../../src/lib/kernels/simd.ts';
import { mulberry32 } from '../../../src/lib/util/random.ts';

// Both forms of the kernel are checked: relaxed SIMD is on in every test process (Node 20 through
// the setup file src/cli/relaxed-simd.ts).

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

describe.each([
  ['a multiply then an add', false],
  ['relaxed SIMD multiply-add', true],
])('the SIMD kernel with %s', (_, relaxed) => {
  it.each([
    [2, 4, 4],
    [6, 36, 8],
    [32, 384, 32],
  ])('a[%i, %i]·b[%i, ·]ᵀ equals the triple loop within the parity tolerance', (m, k, n) => {
    const simd = instantiateSimdGemm(relaxed)!;
    expect(simd.relaxed).toBe(relaxed);
    const floats = () => new Float32Array(simd.memory.buffer);
    const [ao, bo, co] = [0, m * k, m * k + n * k];
    floats().set(random(m * k, 7), ao);
    floats().set(random(n * k, 8), bo);
    floats().set(random(m * n, 9), co);
    const start = floats().slice(co, co + m * n);
    simd.gemm(ao * 4, bo * 4, co * 4, m, k, n, 0.5, 1, n);
    const [a, b, out] = [floats().subarray(ao), floats().subarray(bo), floats().subarray(co)];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
        expect(Math.abs(out[i * n + j] - (start[i * n + j] + 0.5 * s))).toBeLessThan(2e-5);
      }
  });

  it('1·2 + 3·4 + 5·6 + 7·8 = 100 in every output of a 2×4 block', () => {
    const simd = instantiateSimdGemm(relaxed)!;
    const f = new Float32Array(simd.memory.buffer);
    f.set([1, 3, 5, 7, 1, 3, 5, 7], 0); // a [2, 4]
    for (let j = 0; j < 4; j++) f.set([2, 4, 6, 8], 8 + 4 * j); // b [4, 4]
    simd.gemm(0, 32, 96, 2, 4, 4, 1, 0, 4);
    expect(Array.from(f.subarray(24, 32))).toEqual(new Array(8).fill(100));
  });

  it('writes a block of columns into rows ldc floats apart, and nothing beside it', () => {
    const simd = instantiateSimdGemm(relaxed)!;
    const f = new Float32Array(simd.memory.buffer);
    f.set([1, 3, 5, 7, 1, 3, 5, 7], 0); // a [2, 4]
    for (let j = 0; j < 4; j++) f.set([2, 4, 6, 8], 8 + 4 * j); // b [4, 4]
    // c [2, 10] at float 24, the block in columns 3..6.
    f.fill(-1, 24, 44);
    simd.gemm(0, 32, (24 + 3) * 4, 2, 4, 4, 1, 0, 10);
    const row = [-1, -1, -1, 100, 100, 100, 100, -1, -1, -1];
    expect(Array.from(f.subarray(24, 44))).toEqual([...row, ...row]);
  });

  it('computes in place on an imported shared heap as on its own memory', () => {
    const heap = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
    const onHeap = heapGemm(heap)!;
    const own = instantiateSimdGemm(onHeap.relaxed)!;
    const [m, k, n] = [6, 36, 8];
    const [a, b, c] = [random(m * k, 1), random(n * k, 2), random(m * n, 3)];
    const results = [onHeap, own].map((simd) => {
      const f = new Float32Array(simd.memory.buffer);
      f.set(a, 0);
      f.set(b, m * k);
      f.set(c, m * k + n * k);
      simd.gemm(0, m * k * 4, (m * k + n * k) * 4, m, k, n, 0.5, 1, n);
      return f.slice(m * k + n * k, m * k + n * k + m * n);
    });
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).not.toEqual(c);
  });
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
