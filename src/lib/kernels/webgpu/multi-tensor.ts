import type * as tf from '@tensorflow/tfjs';
import type { Uniform } from './shader.ts';

/**
 * Kernels over many tensors at once (gradient norm, clip scaling, AdamW). WebGPU binds a handful
 * of storage buffers per shader (8–12 on most adapters), so the tensors go in groups: one
 * dispatch per group, each workgroup serving CHUNK elements of one tensor of the group. The
 * shader picks the tensor with a workgroup-uniform branch over the group's slots (a binding
 * cannot be indexed), from the first workgroup of each slot, passed as uniforms `w0`, `w1`, ….
 */
export const WG = 256;
/** Elements per workgroup: 16 per thread. */
export const CHUNK = WG * 16;

export interface Group<T> {
  items: T[];
  /** The first workgroup of each item, then the total. */
  starts: number[];
}

/** Splits `items` into groups of at most `perDispatch`. */
export function groups<T>(items: T[], perDispatch: number, size: (item: T) => number): Group<T>[] {
  const out: Group<T>[] = [];
  for (let i = 0; i < items.length; i += perDispatch) {
    const run = items.slice(i, i + perDispatch);
    const starts = [0];
    for (const item of run) starts.push(starts[starts.length - 1] + Math.ceil(size(item) / CHUNK));
    out.push({ items: run, starts });
  }
  return out;
}

/** Uniforms `n{k}` (sizes) and `w{k}` (first workgroups, `w{K}` the total) of a group. */
export function slotUniforms(starts: number[], sizes: number[]): Uniform[] {
  return [
    ...sizes.map((n, k) => ({ name: `n${k}`, type: 'u32' as const, value: n })),
    ...starts.map((w, k) => ({ name: `w${k}`, type: 'u32' as const, value: w })),
  ];
}

/**
 * WGSL for `main`: `w` is this workgroup's index in the group; for the slot k it falls in,
 * `perSlot(k)` runs with `lo`, `hi` (the element range) and `t` (the thread) in scope.
 */
export function slotMain(slots: number, perSlot: (k: number) => string, prologue = ''): string {
  const branches = Array.from(
    { length: slots },
    (_, k) => `if (w >= u.w${k} && w < u.w${k + 1}) {
    let lo = (w - u.w${k}) * ${CHUNK}u;
    let hi = min(lo + ${CHUNK}u, u.n${k});
    ${perSlot(k)}
  }`,
  ).join(' else ');
  return /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let w = wid.y * nwg.x + wid.x;
  ${prologue}
  ${branches}
}`;
}

export const sizeOf = (t: tf.TensorInfo): number => t.shape.reduce((a, b) => a * b, 1);
