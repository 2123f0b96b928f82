import * as tf from '@tensorflow/tfjs';
import {
  registerArrayKernel,
  runKernel,
  runOnWasm,
  wasmKernel,
  type ArrayKernel,
  type WasmBackend,
} from './arrays.ts';
import { at, gemmNT, heapGemmNT, transpose, transposeSplit } from './gemm.ts';
import { fused } from './route.ts';
import { scratch } from './simd.ts';
import { kernelPool, rangeTask } from './threads/pool.ts';

/**
 * PyTorch Linear layers that read the same input, `yᵢ = x · Wᵢᵀ + bᵢ` with x `[n, in]`,
 * Wᵢ `[outᵢ, in]`, bᵢ `[outᵢ]` (one for a plain layer, three for attention's query, key and
 * value), in one dispatch forward and one backward:
 *
 *   dx = Σᵢ dyᵢ · Wᵢ        dWᵢ = dyᵢᵀ · x        dbᵢ = Σ_rows dyᵢ
 *
 * On wasm's threaded build, with the kernel pool up, the products run on our SIMD gemm in place on
 * the heap, split over the pool's threads. Otherwise they are routed to XNNPACK's fast path, which
 * only takes non-transposed 2-D operands (transposed ones fall to a loop 15× slower): Wᵀ and dyᵀ
 * are materialised first.
 * On cpu, and on wasm for small layers, the typed-array GEMM runs them in its dot-product form.
 */
const LINEAR = 'AttuneLinear';
/** The same kernel over three layers: a gradient config names the inputs it saves, so one per arity. */
const LINEAR_3 = 'AttuneLinear3';
const LINEAR_GRAD = 'AttuneLinearGrad';

/** Input map `{x, w0, b0, w1, b1, …}` ↔ the weight/bias pairs. */
type Layer = readonly [tf.Tensor2D, tf.Tensor1D];

function layerInputs(x: tf.Tensor, layers: readonly Layer[]): Record<string, tf.Tensor> {
  const inputs: Record<string, tf.Tensor> = { x };
  layers.forEach(([w, b], i) => {
    inputs[`w${i}`] = w;
    inputs[`b${i}`] = b;
  });
  return inputs;
}

/**
 * db[j] = Σᵢ dy[i, j] from dyᵀ `[o, n]`, summed in row order and rounded to float32 at every
 * step, as adding each row into a float32 db does, but along contiguous memory, four sums at a
 * time in registers (each one a chain of dependent adds).
 */
function columnSums(
  dyt: Float32Array,
  n: number,
  o: number,
  db: Float32Array,
  from = 0,
  to = o,
): void {
  let j = from;
  for (; j + 4 <= to; j += 4) {
    const r0 = j * n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      s0 = Math.fround(s0 + dyt[r0 + i]);
      s1 = Math.fround(s1 + dyt[r0 + n + i]);
      s2 = Math.fround(s2 + dyt[r0 + 2 * n + i]);
      s3 = Math.fround(s3 + dyt[r0 + 3 * n + i]);
    }
    db[j] = s0;
    db[j + 1] = s1;
    db[j + 2] = s2;
    db[j + 3] = s3;
  }
  for (; j < to; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum = Math.fround(sum + dyt[j * n + i]);
    db[j] = sum;
  }
}

/** Groups of 16 columns [start, end) of `columnSums`, each column summed alone, as on one thread. */
const biasGroups = rangeTask(`${LINEAR_GRAD}.bias`, (arrays, [n, o], start, end) => {
  const [dyt, db] = arrays as Float32Array[];
  columnSums(dyt, n, o, db, start * 16, Math.min(o, end * 16));
});

/**
 * Below this many multiply-adds in a layer's largest product, wasm runs the layer on the SIMD gemm
 * instead of XNNPACK: XNNPACK packs the weight again on every call, and on the threaded build
 * wakes its thread pool for a few microseconds of work (the tiny fixture's step took 4× longer
 * on two threads than on one, on a loaded machine). MiniLM's smallest product is 30× this.
 */
const XNNPACK_MIN_MACS = 1 << 20;

const forwardKernel = (name: string): ArrayKernel<object> => ({
  name,
  // inputs: x, w0, b0, w1, b1, …
  outputs: ([x, ...wb]) =>
    wb
      .filter((_, i) => i % 2 === 0)
      .map((w) => ({ shape: [x.shape[0], w.shape[0]], dtype: 'float32' })),
  compute([xT, ...wb], ys) {
    const [n, k] = xT.shape;
    ys.forEach((yOut, l) => {
      const w = wb[2 * l];
      const bias = wb[2 * l + 1].values as Float32Array;
      const o = w.shape[0];
      // Operands copied next to the SIMD kernel (O(size), against O(n·k·o) for the product).
      const [x, wc, y] = scratch([n * k, o * k, n * o]);
      x.set(xT.values);
      wc.set(w.values);
      gemmNT(at(x), at(wc), at(y), n, k, o);
      const out = yOut as Float32Array;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < o; j++) out[i * o + j] = y[i * o + j] + bias[j];
    });
  },
});

const gradKernel: ArrayKernel<object> = {
  name: LINEAR_GRAD,
  // inputs: x, w0, dy0, w1, dy1, …; outputs: dx, dw0, db0, dw1, db1, …
  outputs: ([x, ...wdy]) => [
    { shape: x.shape, dtype: 'float32' },
    ...wdy
      .filter((_, i) => i % 2 === 0)
      .flatMap((w) => [
        { shape: w.shape, dtype: 'float32' as const },
        { shape: [w.shape[0]], dtype: 'float32' as const },
      ]),
  ],
  compute([xT, ...wdy], [dxOut, ...grads]) {
    const [n, k] = xT.shape;
    for (let l = 0; l < wdy.length / 2; l++) {
      const o = wdy[2 * l].shape[0];
      const dyIn = wdy[2 * l + 1].values as Float32Array;
      // Every product in the dot-product form, on transposed copies beside the SIMD kernel.
      const [dx, xt, wt, dy, dyt, dw] = scratch([n * k, k * n, k * o, n * o, o * n, o * k]);
      dx.set(dxOut);
      transpose(at(xT.values as Float32Array), n, k, at(xt));
      transpose(at(wdy[2 * l].values as Float32Array), o, k, at(wt));
      dy.set(dyIn);
      transpose(at(dyIn), n, o, at(dyt));
      gemmNT(at(dy), at(wt), at(dx), n, o, k, 1, true);
      gemmNT(at(dyt), at(xt), at(dw), o, n, k);
      (dxOut as Float32Array).set(dx);
      grads[2 * l].set(dw);
      columnSums(dyt, n, o, grads[2 * l + 1] as Float32Array);
    }
  },
};
registerArrayKernel(gradKernel, ['cpu']);

/** Whether every product of layers with weights `ws` ([out, in]) over `rows` rows is small. */
const small = (rows: number, ws: tf.TensorInfo[]) =>
  ws.every((w) => rows * w.shape[0] * w.shape[1] < XNNPACK_MIN_MACS);

/** A heap tensor's values as float32 (the heap path's operands). */
const heapFloats = (wasm: WasmBackend, t: tf.TensorInfo) =>
  wasm.typedArrayFromHeap(t) as Float32Array;

/** `[rows, cols]` → a new `[cols, rows]` heap tensor, transposed in JS (wasm's Transpose is slower). */
function wasmTranspose(backend: WasmBackend, t: tf.TensorInfo): tf.TensorInfo {
  const [rows, cols] = t.shape;
  const out = backend.makeOutput([cols, rows], 'float32');
  // Split over the kernel pool where it runs (the heap path), whole on this thread otherwise.
  transposeSplit(heapFloats(backend, t), rows, cols, heapFloats(backend, out));
  return out;
}

const as3d = (t: tf.TensorInfo): tf.TensorInfo => ({ ...t, shape: [1, ...t.shape] });
const NO_TRANSPOSE = { transposeA: false, transposeB: false };

/**
 * The threaded build with the kernel pool: every product on our SIMD gemm in place on the heap,
 * its rows split over the pool's threads, `y = b + x · Wᵀ` straight from PyTorch's layout.
 */
function heapForward(wasm: WasmBackend, x: tf.TensorInfo, wb: tf.TensorInfo[]): tf.TensorInfo[] {
  const [n, k] = x.shape;
  const ys: tf.TensorInfo[] = [];
  for (let l = 0; l < wb.length / 2; l++) {
    const [w, b] = [wb[2 * l], wb[2 * l + 1]];
    const o = w.shape[0];
    const y = wasm.makeOutput([n, o], 'float32');
    ys.push(y);
    const [xv, wv, bv, yv] = [x, w, b, y].map((t) => heapFloats(wasm, t));
    heapGemmNT(xv, wv, yv, n, k, o, { bias: bv });
  }
  return ys;
}

/**
 * The backward pass on the heap path: `dx = Σᵢ dyᵢ · Wᵢ` accumulated into one buffer (on Wᵢᵀ),
 * `dWᵢ = dyᵢᵀ · x` (on dyᵢᵀ and xᵀ, x transposed once for all layers), dbᵢ from dyᵢᵀ.
 */
function heapGrad(wasm: WasmBackend, x: tf.TensorInfo, wdy: tf.TensorInfo[]): tf.TensorInfo[] {
  const [n, k] = x.shape;
  const dx = wasm.makeOutput([n, k], 'float32');
  const grads: tf.TensorInfo[] = [];
  for (let l = 0; l < wdy.length / 2; l++) {
    const [w, dy] = [wdy[2 * l], wdy[2 * l + 1]];
    const o = w.shape[0];
    const wt = wasmTranspose(wasm, w);
    const [dyv, wtv, dxv] = [dy, wt, dx].map((t) => heapFloats(wasm, t));
    heapGemmNT(dyv, wtv, dxv, n, o, k, { accumulate: l > 0 });
    wasm.disposeData(wt.dataId);
  }
  const xt = wasmTranspose(wasm, x);
  for (let l = 0; l < wdy.length / 2; l++) {
    const [w, dy] = [wdy[2 * l], wdy[2 * l + 1]];
    const o = w.shape[0];
    const dyt = wasmTranspose(wasm, dy);
    const dw = wasm.makeOutput([o, k], 'float32');
    const db = wasm.makeOutput([o], 'float32');
    const [dytv, xtv, dwv, dbv] = [dyt, xt, dw, db].map((t) => heapFloats(wasm, t));
    heapGemmNT(dytv, xtv, dwv, o, n, k);
    biasGroups.run([dytv, dbv], [n, o], Math.ceil(o / 16), n * o);
    wasm.disposeData(dyt.dataId);
    grads.push(dw, db);
  }
  wasm.disposeData(xt.dataId);
  return [dx, ...grads];
}

/** Whether the heap path runs: the kernel pool is up (the threaded build, helpers started). */
const onHeapPath = () => kernelPool() !== null;

const wasmForward =
  (kernel: ArrayKernel<object>): tf.KernelFunc =>
  ({ inputs, backend }) => {
    const [x, ...wb] = Object.values(inputs) as tf.TensorInfo[];
    const wasm = backend as unknown as WasmBackend;
    const ws = wb.filter((_, i) => i % 2 === 0);
    if (small(x.shape[0], ws)) return runOnWasm(kernel, [x, ...wb], {}, wasm);
    if (onHeapPath()) return heapForward(wasm, x, wb);
    const ys: tf.TensorInfo[] = [];
    for (let l = 0; l < wb.length / 2; l++) {
      const [w, b] = [wb[2 * l], wb[2 * l + 1]];
      const wt = wasmTranspose(wasm, w);
      const y = wasmKernel('_FusedMatMul')({
        inputs: { a: as3d(x), b: as3d(wt), bias: b },
        attrs: { ...NO_TRANSPOSE, activation: 'linear' },
        backend,
      }) as tf.TensorInfo;
      wasm.disposeData(wt.dataId);
      ys.push({ ...y, shape: [x.shape[0], w.shape[0]] });
    }
    return ys;
  };

tf.registerKernel({
  kernelName: LINEAR_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const [x, ...wdy] = Object.values(inputs) as tf.TensorInfo[];
    const wasm = backend as unknown as WasmBackend;
    const ws = wdy.filter((_, i) => i % 2 === 0);
    if (small(x.shape[0], ws)) return runOnWasm(gradKernel, [x, ...wdy], {}, wasm);
    if (onHeapPath()) return heapGrad(wasm, x, wdy);
    const matMul = wasmKernel('BatchMatMul');
    const grads: tf.TensorInfo[] = [];
    let dx: tf.TensorInfo | null = null;
    for (let l = 0; l < wdy.length / 2; l++) {
      const [w, dy] = [wdy[2 * l], wdy[2 * l + 1]];
      const [n, o] = dy.shape;
      const part = matMul({ inputs: { a: as3d(dy), b: as3d(w) }, attrs: NO_TRANSPOSE, backend });
      if (!dx) dx = { ...(part as tf.TensorInfo), shape: x.shape };
      else {
        const sum = wasm.typedArrayFromHeap(dx) as Float32Array;
        const add = wasm.typedArrayFromHeap(part as tf.TensorInfo) as Float32Array;
        for (let i = 0; i < sum.length; i++) sum[i] += add[i];
        wasm.disposeData((part as tf.TensorInfo).dataId);
      }
      const dyt = wasmTranspose(wasm, dy);
      const dw = matMul({ inputs: { a: as3d(dyt), b: as3d(x) }, attrs: NO_TRANSPOSE, backend });
      const db = wasm.makeOutput([o], 'float32');
      columnSums(
        wasm.typedArrayFromHeap(dyt) as Float32Array,
        n,
        o,
        wasm.typedArrayFromHeap(db) as Float32Array,
      );
      wasm.disposeData(dyt.dataId);
      grads.push({ ...(dw as tf.TensorInfo), shape: w.shape }, db);
    }
    return [dx!, ...grads];
  },
});

const gradFunc: tf.GradFunc = (dys, saved) => {
  const dyList = Array.isArray(dys) ? dys : [dys];
  const [x, ...ws] = saved;
  const inputs: Record<string, tf.Tensor> = { x };
  dyList.forEach((dy, i) => {
    inputs[`w${i}`] = ws[i];
    inputs[`dy${i}`] = dy;
  });
  const [dx, ...grads] = runKernel(LINEAR_GRAD, inputs);
  const out: Record<string, () => tf.Tensor> = { x: () => dx };
  dyList.forEach((_, i) => {
    out[`w${i}`] = () => grads[2 * i];
    out[`b${i}`] = () => grads[2 * i + 1];
  });
  return out;
};

for (const [name, saved] of [
  [LINEAR, ['x', 'w0']],
  [LINEAR_3, ['x', 'w0', 'w1', 'w2']],
] as const) {
  const kernel = forwardKernel(name);
  registerArrayKernel(kernel, ['cpu']);
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: wasmForward(kernel) });
  tf.registerGradient({ kernelName: name, inputsToSave: [...saved], gradFunc });
}

/** `x · Wᵀ + b` for x `[n, in]`, W `[out, in]` (PyTorch's layout), b `[out]`. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (fused(LINEAR)) return runKernel(LINEAR, layerInputs(x, [[w, b]]))[0] as tf.Tensor2D;
  return tf.add(tf.matMul(x, w, false, true), b);
}

/** Three Linear layers over the same input (attention's q, k, v) in one dispatch each way. */
export function linear3(x: tf.Tensor2D, layers: readonly [Layer, Layer, Layer]): tf.Tensor2D[] {
  if (fused(LINEAR_3)) return runKernel(LINEAR_3, layerInputs(x, layers)) as tf.Tensor2D[];
  return layers.map(([w, b]) => tf.add(tf.matMul(x, w, false, true), b));
}
