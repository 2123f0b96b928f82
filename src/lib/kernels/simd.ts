/**
 * A WebAssembly SIMD kernel for `c[m, n] = alpha · a[m, k] · b[n, k]ᵀ (+ c)`, assembled here from
 * its opcodes (no toolchain, no binary blob): two rows of a against four rows of b at a time,
 * eight f32x4 running sums along k, reduced across lanes once per output. Each step along k is a
 * fused multiply-add (`f32x4.relaxed_madd`) where the engine validates relaxed SIMD, a multiply
 * then an add otherwise. It runs on its own memory, where callers place operands through
 * `SimdArena`, or on a wasm heap it imports (`heapGemm`: tfjs's tensors in place). Where SIMD is
 * missing the module does not validate and `simdGemm()` returns null.
 */

// --- A minimal assembler: just what the kernel below needs. -----------------------------------

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => vector([...s].map((c) => [c.charCodeAt(0)]));

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32And: [0x71],
  f32Add: [0x92],
  f32Mul: [0x94],
  v128Load: [0xfd, ...uleb(0x00), 0x04, 0x00],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array(16).fill(0)],
  lane: (l: number) => [0xfd, ...uleb(0x1f), l],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  /** `a · b + c` lane-wise, fused or not as the hardware does it (relaxed SIMD). */
  f32x4RelaxedMadd: [0xfd, ...uleb(0x105)],
};

// Parameters: a, b, c (byte offsets), m, k, n, alpha, accumulate, ldc (c's row stride, floats).
const [A, B, C, M, K, N, ALPHA, ACCUMULATE, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
// Locals after the parameters: 12 i32, 1 f32, 14 v128.
const [M2, N4, ROW, I, J, P, A0, A1, B0, B1, B2, B3] = Array.from({ length: 12 }, (_, i) => 9 + i);
const S = 21;
const ACC = Array.from({ length: 8 }, (_, i) => 22 + i); // acc[r * 4 + c]
const VA = [30, 31];
const VB = [32, 33, 34, 35];

function gemmBody(relaxed: boolean): number[] {
  const code: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => code.push(...p));
  // m2 = m & ~1; n4 = n & ~3; row = k·4 bytes
  emit(op.get(M), op.i32(-2), op.i32And, op.set(M2));
  emit(op.get(N), op.i32(-4), op.i32And, op.set(N4));
  emit(op.get(K), op.i32(4), op.i32Mul, op.set(ROW));
  emit(op.i32(0), op.set(I), op.block, op.loop);
  emit(op.get(I), op.get(M2), op.i32GeU, op.brIf(1));
  emit(op.get(A), op.get(I), op.get(ROW), op.i32Mul, op.i32Add, op.set(A0));
  emit(op.get(A0), op.get(ROW), op.i32Add, op.set(A1));
  emit(op.i32(0), op.set(J), op.block, op.loop);
  emit(op.get(J), op.get(N4), op.i32GeU, op.brIf(1));
  emit(op.get(B), op.get(J), op.get(ROW), op.i32Mul, op.i32Add, op.set(B0));
  for (let c = 1; c < 4; c++)
    emit(op.get([B0, B1, B2][c - 1]), op.get(ROW), op.i32Add, op.set([B1, B2, B3][c - 1]));
  for (const acc of ACC) emit(op.v128Zero, op.set(acc));
  // Along k, four floats at a time.
  emit(op.i32(0), op.set(P), op.block, op.loop);
  emit(op.get(P), op.get(ROW), op.i32GeU, op.brIf(1));
  [A0, A1].forEach((row, r) => emit(op.get(row), op.get(P), op.i32Add, op.v128Load, op.set(VA[r])));
  [B0, B1, B2, B3].forEach((row, c) =>
    emit(op.get(row), op.get(P), op.i32Add, op.v128Load, op.set(VB[c])),
  );
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < 4; c++) {
      const acc = ACC[r * 4 + c];
      if (relaxed)
        emit(op.get(VA[r]), op.get(VB[c]), op.get(acc), op.f32x4RelaxedMadd, op.set(acc));
      else emit(op.get(acc), op.get(VA[r]), op.get(VB[c]), op.f32x4Mul, op.f32x4Add, op.set(acc));
    }
  emit(op.get(P), op.i32(16), op.i32Add, op.set(P), op.br(0), op.end, op.end);
  // Reduce each accumulator across lanes, scale, optionally add what c holds, store.
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < 4; c++) {
      const acc = ACC[r * 4 + c];
      emit(op.get(acc), op.lane(0), op.get(acc), op.lane(1), op.f32Add);
      emit(op.get(acc), op.lane(2), op.f32Add, op.get(acc), op.lane(3), op.f32Add);
      emit(op.get(ALPHA), op.f32Mul, op.set(S));
      // address = c + ((i + r)·ldc + j + col)·4
      const address = () =>
        emit(
          op.get(C),
          op.get(I),
          op.i32(r),
          op.i32Add,
          op.get(LDC),
          op.i32Mul,
          op.get(J),
          op.i32Add,
          op.i32(c),
          op.i32Add,
          op.i32(4),
          op.i32Mul,
          op.i32Add,
        );
      emit(op.get(ACCUMULATE), op.if);
      address();
      emit(op.f32Load, op.get(S), op.f32Add, op.set(S), op.end);
      address();
      emit(op.get(S), op.f32Store);
    }
  emit(op.get(J), op.i32(4), op.i32Add, op.set(J), op.br(0), op.end, op.end);
  emit(op.get(I), op.i32(2), op.i32Add, op.set(I), op.br(0), op.end, op.end);
  emit(op.end);
  return code;
}

/**
 * Where the module's memory comes from: its own, or imported (a wasm heap the kernel computes on
 * in place: shared, as the threaded build's is, or not).
 */
type MemorySource = 'own' | 'shared' | 'imported';

/** Limits of an imported memory: at least a page; a shared one must declare a maximum (4 GiB). */
const importLimits = (source: MemorySource) =>
  source === 'shared' ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];

function moduleBytes(relaxed: boolean, source: MemorySource = 'own'): Uint8Array<ArrayBuffer> {
  const type = [
    0x60,
    ...vector([[I32], [I32], [I32], [I32], [I32], [I32], [F32], [I32], [I32]]),
    0x00,
  ];
  const locals = vector([
    [...uleb(12), I32],
    [...uleb(1), F32],
    [...uleb(14), V128],
  ]);
  const body = [...locals, ...gemmBody(relaxed)];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([type])),
    ...(source === 'own'
      ? []
      : section(2, vector([[...name('env'), ...name('memory'), 0x02, ...importLimits(source)]]))),
    ...section(3, vector([[0]])),
    // Its own memory: 16 pages to start, growable.
    ...(source === 'own' ? section(5, vector([[0x00, ...uleb(16)]])) : []),
    ...section(
      7,
      vector([
        [...name('gemm'), 0x00, 0x00],
        ...(source === 'own' ? [[...name('memory'), 0x02, 0x00]] : []),
      ]),
    ),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

// --- The runtime side. ------------------------------------------------------------------------

type GemmExport = (
  a: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
  alpha: number,
  accumulate: number,
  ldc: number,
) => void;

export interface SimdGemm {
  memory: WebAssembly.Memory;
  /** Whether its multiply-adds are relaxed SIMD's `f32x4.relaxed_madd`. */
  relaxed: boolean;
  /**
   * The blocked part only: rows below m & ~1, columns below n & ~3, k a multiple of 4; c's rows
   * are `ldc` floats apart, so that a block of c's columns can be computed at a time.
   */
  gemm: GemmExport;
}

/** Whether this engine validates the kernel with relaxed SIMD's fused multiply-add. */
export const hasRelaxedSimd = () =>
  typeof WebAssembly !== 'undefined' && WebAssembly.validate(moduleBytes(true));

/** A new instance of the kernel, with or without relaxed SIMD; null where the engine refuses it. */
export function instantiateSimdGemm(relaxed: boolean): SimdGemm | null {
  const bytes = moduleBytes(relaxed);
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as {
    gemm: GemmExport;
    memory: WebAssembly.Memory;
  };
  return { memory: exports.memory, relaxed, gemm: exports.gemm };
}

const onHeaps = new WeakMap<WebAssembly.Memory, SimdGemm | null>();

/**
 * The kernel computing in place on `heap` (tfjs's wasm heap: operands are tensors, no copies),
 * with relaxed SIMD where the engine has it; null where WebAssembly SIMD is not available.
 */
export function heapGemm(heap: WebAssembly.Memory): SimdGemm | null {
  if (!onHeaps.has(heap)) {
    const source = heap.buffer instanceof SharedArrayBuffer ? 'shared' : 'imported';
    const make = (relaxed: boolean): SimdGemm | null => {
      const bytes = moduleBytes(relaxed, source);
      if (!WebAssembly.validate(bytes)) return null;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { memory: heap },
      });
      return { memory: heap, relaxed, gemm: (instance.exports as { gemm: GemmExport }).gemm };
    };
    onHeaps.set(heap, make(true) ?? make(false));
  }
  return onHeaps.get(heap)!;
}

let instance: SimdGemm | null | undefined;

/**
 * The SIMD kernel (with relaxed SIMD's multiply-add where the engine has it: Chromium ≥ 114,
 * Node ≥ 22), or null where WebAssembly SIMD is not available.
 */
export function simdGemm(): SimdGemm | null {
  instance ??= instantiateSimdGemm(true) ?? instantiateSimdGemm(false);
  return instance;
}

/**
 * Float32 scratch space in the SIMD module's memory, handed out front to back; `reset` before each
 * kernel call. Views are taken after every allocation (growing the memory detaches older ones).
 */
export class SimdArena {
  private used = 0;
  constructor(private readonly simd: SimdGemm) {}

  reset(): void {
    this.used = 0;
  }

  /** `count` floats; returns their float offset into `floats()`. */
  alloc(count: number): number {
    const offset = this.used;
    this.used += (count + 3) & ~3; // keep 16-byte alignment
    const needed = this.used * 4 - this.simd.memory.buffer.byteLength;
    if (needed > 0) this.simd.memory.grow(Math.ceil(needed / 65536));
    return offset;
  }

  floats(): Float32Array {
    return new Float32Array(this.simd.memory.buffer);
  }
}

/**
 * Scratch arrays of the given lengths for one kernel call: views into the SIMD module's memory
 * (so `gemmNT` on them runs the SIMD kernel), or plain arrays where there is no SIMD. Valid until
 * the next call.
 */
export function scratch(lengths: number[]): Float32Array[] {
  const simd = simdGemm();
  if (!simd) return lengths.map((n) => new Float32Array(n));
  arena ??= new SimdArena(simd);
  arena.reset();
  const offsets = lengths.map((n) => arena!.alloc(n));
  const floats = arena.floats();
  return offsets.map((o, i) => floats.subarray(o, o + lengths[i]));
}

let arena: SimdArena | undefined;
