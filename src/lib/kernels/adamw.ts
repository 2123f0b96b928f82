import * as tf from '@tensorflow/tfjs';
import { ARRAY_BACKENDS, heapValues } from './arrays.ts';
import { chunksOf } from './chunks.ts';
import { fused } from './route.ts';
import { rangeTask } from './threads/pool.ts';

/**
 * One AdamW step over every parameter with `torch.optim.AdamW`'s arithmetic, on gradients scaled
 * by gradient clipping's coefficient c as they are read:
 *
 *   g ← g·c                         (torch's in-place `mul_` in `clip_grad_norm_`; c = 1: none)
 *   p ← p·(1 − lr·λ)
 *   m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g²
 *   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
 *
 * The fused kernel walks p, g, m, v once per parameter, all parameters in one dispatch, each
 * value rounded to float32 where torch stores it, into new buffers that the variables then take
 * (never in place: a cpu tensor may be the very array it was made from, the model's weights, and
 * tfjs-backend-wasm keeps XNNPACK's packed copy of a weight by tensor id, which an in-place
 * write would leave stale).
 */
const ADAMW = 'AttuneAdamW';

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count, for the bias corrections. */
  step: number;
  /** c, the factor of every gradient (`clip_grad_norm_`'s clamped coefficient, float32; 1 = none). */
  gradScale: number;
}

export interface AdamWSlot {
  param: tf.Variable;
  grad: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
  /** λ for this parameter (0 = not decayed). */
  weightDecay: number;
}

interface Attrs extends AdamWHyper {
  decays: number[];
}

/** Params of one parameter's update: [lr, β₁, β₂, ε, step, c, λ]. */
const hyperParams = (h: AdamWHyper, decay: number) => [
  h.lr,
  h.beta1,
  h.beta2,
  h.eps,
  h.step,
  h.gradScale,
  decay,
];

/** Elements [start, end) of one parameter: reads p, g, m, v and writes p2, m2, v2. */
const updateRange = rangeTask(
  ADAMW,
  ([p, g, m, v, p2, m2, v2], [lr, b1, b2, eps, step, c, decay], start, end) => {
    const stepSize = lr / (1 - b1 ** step);
    const invBc2Sqrt = 1 / Math.sqrt(1 - b2 ** step);
    const shrink = 1 - lr * decay;
    // Locals rounded as the stored values are, so the update reads what torch reads.
    for (let i = start; i < end; i++) {
      const gi = Math.fround(g[i] * c);
      const mi = Math.fround(b1 * m[i] + (1 - b1) * gi);
      const vi = Math.fround(b2 * v[i] + (1 - b2) * gi * gi);
      m2[i] = mi;
      v2[i] = vi;
      p2[i] = Math.fround(p[i] * shrink) - (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps);
    }
  },
);

/** The parts of the cpu and wasm backends the kernel uses to allocate its outputs. */
interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

for (const backendName of ARRAY_BACKENDS) {
  tf.registerKernel({
    kernelName: ADAMW,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      // inputs: p0, g0, m0, v0, p1, …; outputs: p0, m0, v0, p1, …
      const list = Object.values(inputs) as tf.TensorInfo[];
      const a = attrs as unknown as Attrs;
      const count = list.length / 4;
      const shapes = Array.from({ length: count }, (_, i) => list[4 * i].shape);
      let outputs: tf.TensorInfo[];
      let arrays: Float32Array[];
      if (backendName === 'cpu') {
        arrays = shapes.flatMap((s) => {
          const n = s.reduce((x, y) => x * y, 1);
          return [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
        });
        const cpu = backend as unknown as CpuBackend;
        outputs = arrays.map((x, i) => cpu.makeTensorInfo(shapes[Math.floor(i / 3)], 'float32', x));
      } else {
        // Allocate first: growing the heap detaches every view taken before.
        const wasm = backend as unknown as WasmBackend;
        outputs = shapes.flatMap((s) => [0, 1, 2].map(() => wasm.makeOutput(s, 'float32')));
        arrays = outputs.map((t) => heapValues(backend, backendName, t) as Float32Array);
      }
      for (let i = 0; i < count; i++) {
        const ins = list.slice(4 * i, 4 * i + 4).map((t) => heapValues(backend, backendName, t));
        const outs = arrays.slice(3 * i, 3 * i + 3);
        const n = outs[0].length;
        updateRange.run([...ins, ...outs], hyperParams(a, a.decays[i]), n, 8 * n);
      }
      return outputs;
    },
  });
}

/** The stock op chain for one parameter: new tensors, assigned back. */
function stockUpdate(slot: AdamWSlot, h: AdamWHyper): void {
  const { param: p, m: mVar, v: vVar } = slot;
  const stepSize = h.lr / (1 - h.beta1 ** h.step);
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** h.step);
  tf.tidy(() => {
    const g = h.gradScale === 1 ? slot.grad : tf.mul(slot.grad, h.gradScale);
    const decayed = slot.weightDecay ? tf.mul(p, 1 - h.lr * slot.weightDecay) : p;
    const m = tf.add(tf.mul(mVar, h.beta1), tf.mul(g, 1 - h.beta1));
    const v = tf.add(tf.mul(vVar, h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), h.eps);
    mVar.assign(m);
    vVar.assign(v);
    p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
  });
}

export function adamwUpdate(slots: AdamWSlot[], h: AdamWHyper): void {
  if (!fused(ADAMW)) {
    for (const slot of slots) stockUpdate(slot, h);
    return;
  }
  // One dispatch per run of ≤ 16M parameter values: the new buffers alive at once (3× a run)
  // stay small next to the model.
  for (const run of chunksOf(slots, (s) => s.param.size)) fusedUpdate(run, h);
}

function fusedUpdate(slots: AdamWSlot[], h: AdamWHyper): void {
  const inputs: Record<string, tf.Tensor> = {};
  slots.forEach((s, i) => {
    inputs[`p${i}`] = s.param;
    inputs[`g${i}`] = s.grad;
    inputs[`m${i}`] = s.m;
    inputs[`v${i}`] = s.v;
  });
  const attrs: Attrs = {
    ...h,
    gradScale: Math.fround(h.gradScale),
    decays: slots.map((s) => s.weightDecay),
  };
  const out = tf
    .engine()
    .runKernel(
      ADAMW,
      inputs as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
  // assign takes the new buffer; disposing the kernel's handle leaves it with the variable.
  slots.forEach((s, i) => {
    s.param.assign(out[3 * i]);
    s.m.assign(out[3 * i + 1]);
    s.v.assign(out[3 * i + 2]);
  });
  out.forEach((t) => t.dispose());
}
