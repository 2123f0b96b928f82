import * as tf from '@tensorflow/tfjs';
import { asGpu, dispatch, grid, output, type Scalar } from './shader.ts';

/**
 * The one-shot form of `shader.ts`'s `dispatch` that the linear, GELU, LayerNorm, embedding and
 * pooling kernels use: a shader whose bindings are fresh outputs (written whole) then read-only inputs,
 * described once as a constant and run with tensors and uniform values in its own order.
 */

export type { Scalar };

export interface Shader {
  /** Names the WGSL text: one key, one text (the pipeline cache trusts it). */
  key: string;
  /** Outputs, each `array<f32>`, bound read-write before the inputs. */
  outputs: readonly string[];
  /** Read-only inputs as `[name, element type]`. */
  inputs: readonly (readonly [string, Scalar])[];
  /** Fields of the uniform struct `u`, all scalars. */
  uniforms: readonly (readonly [string, Scalar])[];
  /** The entry point `main` and its helpers; the bindings above are declared before it. */
  code: string;
}

/**
 * Records `shader` over `workgroups` with `inputs`, fresh float32 outputs of `shapes` (stale
 * pooled buffers: the shader writes every element) and uniform values in the order of
 * `shader.uniforms`. Returns the outputs.
 */
export function runShader(
  backend: unknown,
  shader: Shader,
  inputs: readonly tf.TensorInfo[],
  shapes: readonly number[][],
  uniforms: readonly number[],
  workgroups: [number, number, number],
): tf.TensorInfo[] {
  const gpu = asGpu(backend);
  const outs = shapes.map((shape) => output(gpu, shape));
  dispatch(gpu, {
    key: shader.key,
    bindings: [
      ...outs.map((tensor, i) => ({
        name: shader.outputs[i],
        tensor,
        access: 'read_write' as const,
      })),
      ...inputs.map((tensor, i) => ({
        name: shader.inputs[i][0],
        tensor,
        access: 'read' as const,
        type: shader.inputs[i][1],
      })),
    ],
    uniforms: shader.uniforms.map(([name, type], i) => ({ name, type, value: uniforms[i] })),
    body: shader.code,
    workgroups,
  });
  return outs;
}

/** Workgroups covering `count` units of `perGroup` each (rows, elements), as `grid` folds them. */
export const flatGroups = (count: number, perGroup = 1): [number, number, number] =>
  grid(Math.ceil(count / perGroup));

/** WGSL: the flat index of this workgroup in a `grid`. */
export const GROUP_INDEX = /* wgsl */ `
fn groupIndex(wid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return wid.y * groups.x + wid.x;
}`;

/**
 * WGSL: the entry point `main` of workgroups of `lanes` threads over a `grid`, with `index` the
 * thread's flat index across the grid (workgroup index · lanes + lane); `body` follows it.
 */
export const flatMain = (lanes: number, index: string, body: string): string => `${GROUP_INDEX}
@compute @workgroup_size(${lanes})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lane: u32) {
  let ${index} = groupIndex(wid, groups) * ${lanes}u + lane;
${body}
}`;
