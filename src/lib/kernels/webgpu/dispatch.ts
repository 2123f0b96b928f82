import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/**
 * One WGSL compute dispatch with several outputs, recorded into tfjs-backend-webgpu's command
 * stream. tfjs's own `runWebGPUProgram` binds exactly one output, so a kernel whose backward pass
 * yields dx, dW and db (or a LayerNorm gradient with its row and column sums) would need a
 * dispatch per output and would recompute the shared work in each; here every output is a
 * read-write binding of the same dispatch. Pipelines are cached per device by the shader's key,
 * sizes travel as uniforms, so every padding bucket of a run shares one pipeline per kernel.
 */

export type Scalar = 'f32' | 'i32' | 'u32';

export interface Shader {
  /** Names the WGSL text: one key, one text (the pipeline cache trusts it). */
  key: string;
  /** Read-write storage bindings, each `array<f32>` unless typed. */
  outputs: readonly string[];
  /** Read-only storage bindings as `[name, element type]`. */
  inputs: readonly (readonly [string, Scalar])[];
  /** Fields of the uniform struct `u`, all scalars. */
  uniforms: readonly (readonly [string, Scalar])[];
  /** The entry point `main` and its helpers; the bindings above are declared before it. */
  code: string;
}

/** The members of tfjs-backend-webgpu's `WebGPUBackend` that `runShader` records with (private in its typings). */
interface Recorder {
  device: GPUDevice;
  tensorMap: { get(dataId: tf.DataId): { resource?: unknown } };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<tf.DataId>;
  dispatchCountInPass: number;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: tf.DataId): void;
  makeUniforms(fields: { type: string; data: number[] }[]): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

interface Compiled {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const pipelines = new WeakMap<GPUDevice, Map<string, Compiled>>();

function wgsl(shader: Shader): string {
  let binding = 0;
  const lines = [
    `struct Uniforms { ${shader.uniforms.map(([n, t]) => `${n}: ${t},`).join(' ')} };`,
    ...shader.outputs.map(
      (n) => `@group(0) @binding(${binding++}) var<storage, read_write> ${n}: array<f32>;`,
    ),
    ...shader.inputs.map(
      ([n, t]) => `@group(0) @binding(${binding++}) var<storage, read> ${n}: array<${t}>;`,
    ),
    `@group(0) @binding(${binding}) var<uniform> u: Uniforms;`,
    shader.code,
  ];
  return lines.join('\n');
}

function compile(device: GPUDevice, shader: Shader): Compiled {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  const hit = cache.get(shader.key);
  if (hit) return hit;
  // An explicit layout: 'auto' would drop a binding the code happens not to read.
  const entry = (type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
    binding: 0,
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type },
  });
  const entries = [
    ...shader.outputs.map(() => entry('storage')),
    ...shader.inputs.map(() => entry('read-only-storage')),
    entry('uniform'),
  ].map((e, binding) => ({ ...e, binding }));
  const layout = device.createBindGroupLayout({ entries, label: shader.key });
  const pipeline = device.createComputePipeline({
    label: shader.key,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module: device.createShaderModule({ code: wgsl(shader) }), entryPoint: 'main' },
  });
  const compiled = { pipeline, layout };
  cache.set(shader.key, compiled);
  return compiled;
}

export interface OutputSpec {
  shape: number[];
  dtype?: 'float32';
}

/**
 * Records `shader` over `workgroups` with `inputs` and fresh output tensors of `outputs`'
 * shapes (whose every element the shader must write: buffers are reused uninitialised), and
 * uniform values in the order of `shader.uniforms`. Returns the outputs.
 */
export function runShader(
  backend: WebGPUBackend,
  shader: Shader,
  inputs: readonly tf.TensorInfo[],
  outputs: readonly OutputSpec[],
  uniforms: readonly number[],
  workgroups: readonly [number, number, number],
): tf.TensorInfo[] {
  const b = backend as unknown as Recorder;
  const { pipeline, layout } = compile(b.device, shader);
  const outs = outputs.map((o) => b.makeTensorInfo(o.shape, o.dtype ?? 'float32'));
  const tensors = [...outs, ...inputs];
  const buffers = tensors.map((t) => {
    b.uploadToGPU(t.dataId);
    b.commandQueueOwnedIds.add(t.dataId);
    return { buffer: b.tensorMap.get(t.dataId).resource as GPUBuffer };
  });
  const uniform = b.makeUniforms(
    shader.uniforms.map(([, type], i) => ({
      type: type === 'f32' ? 'float32' : type === 'i32' ? 'int32' : 'uint32',
      data: [uniforms[i]],
    })),
  );
  const bindGroup = b.device.createBindGroup({
    layout,
    entries: [...buffers, uniform].map((resource, binding) => ({ binding, resource })),
  });
  b.ensureCommandEncoderReady();
  b.computePassEncoder ??= b.commandEncoder!.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(...workgroups);
  // tfjs's batching: submit every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE dispatches.
  if (++b.dispatchCountInPass >= tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE')) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outs;
}

/** WebGPU's per-dimension workgroup limit (the default; adapters may offer more). */
const MAX_GROUPS = 65535;

/**
 * Workgroups covering `count` units of `perGroup` (rows, elements), folded into two dimensions
 * when one would exceed the limit; WGSL's `groupIndex` (below) recovers the flat index.
 */
export function flatGroups(count: number, perGroup = 1): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL: the flat index of this workgroup under `flatGroups`. */
export const GROUP_INDEX = /* wgsl */ `
fn groupIndex(wid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return wid.y * groups.x + wid.x;
}`;
