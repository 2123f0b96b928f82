import type * as tf from '@tensorflow/tfjs';
import { groups, sizeOf, slotMain, slotUniforms, WG } from './multi-tensor.ts';
import {
  copy,
  dispatch,
  grid,
  output,
  registerGpuKernel,
  scalars,
  storageLimit,
  type Gpu,
} from './shader.ts';

/**
 * `AttuneAdamW` (../adamw.ts has torch's update) on WebGPU: one dispatch per group of
 * parameters, each group as many as the device binds (four buffers a parameter: p, g, m, v).
 * The update is written in place — the variables' own buffers, returned as the outputs the
 * caller assigns back — so a step allocates nothing. A buffer another tensor still shares
 * (refcount > 1, e.g. a clone) is copied first and the copy updated, so no other tensor sees
 * its values change.
 */
interface Attrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  step: number;
  gradScale: number;
  decays: number[];
}

const body = (slots: number) =>
  slotMain(
    slots,
    (k) => `for (var i = lo + t; i < hi; i += ${WG}u) {
      let gi = g${k}[i] * u.gradScale;
      let mi = u.beta1 * m${k}[i] + u.oneMinusBeta1 * gi;
      let vi = u.beta2 * v${k}[i] + u.oneMinusBeta2 * gi * gi;
      m${k}[i] = mi;
      v${k}[i] = vi;
      p${k}[i] = p${k}[i] * u.shrink${k} - (u.stepSize * mi) / (sqrt(vi) * u.invBc2Sqrt + u.eps);
    }`,
  );

/** `t` itself to update in place (a new reference to its buffer), or a copy when it is shared. */
function writable(gpu: Gpu, t: tf.TensorInfo): tf.TensorInfo {
  if (gpu.refCount(t.dataId) <= 1) {
    gpu.incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  }
  const own = output(gpu, t.shape);
  copy(gpu, t, 0, own, 0, 4 * sizeOf(t));
  return own;
}

interface Slot {
  p: tf.TensorInfo;
  g: tf.TensorInfo;
  m: tf.TensorInfo;
  v: tf.TensorInfo;
  decay: number;
}

registerGpuKernel<Attrs>('AttuneAdamW', (gpu, list, a) => {
  const slots: Slot[] = a.decays.map((decay, i) => ({
    p: writable(gpu, list[4 * i]),
    g: list[4 * i + 1],
    m: writable(gpu, list[4 * i + 2]),
    v: writable(gpu, list[4 * i + 3]),
    decay,
  }));
  const hyper = scalars('f32', {
    beta1: a.beta1,
    beta2: a.beta2,
    oneMinusBeta1: 1 - a.beta1,
    oneMinusBeta2: 1 - a.beta2,
    stepSize: a.lr / (1 - a.beta1 ** a.step),
    invBc2Sqrt: 1 / Math.sqrt(1 - a.beta2 ** a.step),
    eps: a.eps,
    gradScale: a.gradScale,
  });
  for (const g of groups(slots, Math.floor(storageLimit(gpu) / 4), (s) => sizeOf(s.p))) {
    const n = g.items.length;
    dispatch(gpu, {
      key: `adamw-${n}`,
      bindings: g.items.flatMap((s, k) => [
        { name: `p${k}`, tensor: s.p, access: 'read_write' as const },
        { name: `g${k}`, tensor: s.g, access: 'read' as const },
        { name: `m${k}`, tensor: s.m, access: 'read_write' as const },
        { name: `v${k}`, tensor: s.v, access: 'read_write' as const },
      ]),
      uniforms: [
        ...slotUniforms(
          g.starts,
          g.items.map((s) => sizeOf(s.p)),
        ),
        ...g.items.map((s, k) => ({
          name: `shrink${k}`,
          type: 'f32' as const,
          value: 1 - a.lr * s.decay,
        })),
        ...hyper,
      ],
      body: body(n),
      workgroups: grid(g.starts[n]),
    });
  }
  return slots.flatMap((s) => [s.p, s.m, s.v]);
});
