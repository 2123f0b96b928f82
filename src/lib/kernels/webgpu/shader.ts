import * as tf from '@tensorflow/tfjs';

/**
 * Running our own WGSL on tfjs-backend-webgpu's device, inside its command stream. tfjs's
 * `runWebGPUProgram` binds one output buffer per dispatch; a fused kernel here writes several
 * (attention's dQ, dK, dV; AdamW's parameter and both moments) and updates buffers in place, so
 * this module records the dispatch as `recordAndSubmit` does: on the backend's open compute
 * pass, with the tensors marked as owned by the pending command buffer (so a tensor disposed
 * before the submit is not recycled under it) and the submit every
 * `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` dispatches. Pipelines are cached per device by the
 * kernel's key; sizes travel as uniforms, so every shape of a kernel shares one pipeline.
 */

/**
 * The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` these kernels drive; `commandEncoder`
 * and the fields after it are private in its typings.
 */
export interface Gpu {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
  uploadToGPU(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId): boolean;
  incRef(dataId: tf.DataId): void;
  refCount(dataId: tf.DataId): number;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: {
    get(id: tf.DataId): { resource?: unknown; values: unknown; refCount: number };
  };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  uniformPendingDisposal: GPUBuffer[];
  dispatchCountInPass: number;
  /** Set while `tf.profile` / `tf.time` runs: each timed dispatch adds its query here. */
  activeTimers?: { name: string; query: Promise<number> }[] | null;
  supportTimestampQuery: boolean;
  querySet: GPUQuerySet | null;
  querySetCount: number;
  getQueryTime(): Promise<number>;
}

export const asGpu = (backend: unknown): Gpu => backend as Gpu;

/**
 * `make()` once per key, then the kept value: kernels assemble their WGSL text once per form
 * rather than on every dispatch (tens of KB of strings a step otherwise, and their GC).
 */
export function once<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}

/**
 * Devices whose "GPU" is the CPU (SwiftShader, a fallback adapter) run a workgroup's invocations
 * one after another and make every `workgroupBarrier` a switch between them, so a kernel that
 * shares data through workgroup memory pays per invocation and per barrier: a LayerNorm row ran
 * 160× faster there with one invocation per workgroup than with 64 (tiny's 192 × 32 rows on
 * SwiftShader). On such devices those kernels take their narrow form, one invocation per
 * workgroup and no staging; a GPU keeps the wide forms. Set by the device's creator.
 */
const narrowDevices = new WeakSet<GPUDevice>();

export function setNarrowWorkgroups(device: GPUDevice, narrow: boolean): void {
  if (narrow) narrowDevices.add(device);
  else narrowDevices.delete(device);
}

/**
 * WGSL for a one-invocation workgroup: its workgroup memory is the invocation's own and its
 * barriers order nothing. Both go (workgroup arrays become private ones), because a shader with
 * either runs on SwiftShader as one coroutine per workgroup (Dawn zero-fills workgroup memory
 * behind a barrier), which was most of a dispatch's time there.
 */
export const singleInvocation = (wgsl: string): string =>
  wgsl.replaceAll('workgroupBarrier();', '').replaceAll('var<workgroup>', 'var<private>');

/** Whether kernels on `backend`'s device take their narrow form (see `setNarrowWorkgroups`). */
export const narrowWorkgroups = (backend: unknown): boolean =>
  narrowDevices.has(asGpu(backend).device);

export type Scalar = 'f32' | 'i32' | 'u32';

export interface Binding {
  /** The WGSL name of the `array<…>` it is bound as. */
  name: string;
  tensor: tf.TensorInfo;
  /** `read_write` for outputs and buffers updated in place. */
  access: 'read' | 'read_write';
  /** The element type; by default f32 for float32 tensors, i32 otherwise. */
  type?: Scalar;
}

export interface Uniform {
  name: string;
  type: Scalar;
  value: number;
}

export interface Dispatch {
  /** Names the WGSL (`body` and every binding's name, access and type follow from it). */
  key: string;
  bindings: Binding[];
  /** Scalars, as the struct `u`. */
  uniforms: Uniform[];
  /** WGSL after the declarations, with a `@compute` entry point named `main`. */
  body: string;
  workgroups: [number, number, number];
}

/** A buffer of `shape` on the GPU that the next dispatch writes whole (its content is stale). */
export function output(gpu: Gpu, shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
  const info = gpu.makeTensorInfo(shape, dtype);
  gpu.uploadToGPU(info.dataId);
  return info;
}

/** Bindings named as their WGSL arrays: `reads` read-only, then `writes` read-write; a null is left out. */
export function bind(
  reads: Record<string, tf.TensorInfo | null>,
  writes: Record<string, tf.TensorInfo | null>,
): Binding[] {
  const of = (tensors: Record<string, tf.TensorInfo | null>, access: Binding['access']) =>
    Object.entries(tensors).flatMap(([name, tensor]) => (tensor ? [{ name, tensor, access }] : []));
  return [...of(reads, 'read'), ...of(writes, 'read_write')];
}

/** Uniforms of one scalar type, named and ordered as in `values`. */
export const scalars = (type: Scalar, values: Record<string, number>): Uniform[] =>
  Object.entries(values).map(([name, value]) => ({ name, type, value }));

/**
 * Registers `kernelName` on the webgpu backend; `run` gets the backend, the inputs in the order
 * the op passed them, and the op's attributes.
 */
export function registerGpuKernel<A = unknown>(
  kernelName: string,
  run: (gpu: Gpu, inputs: tf.TensorInfo[], attrs: A) => tf.TensorInfo | tf.TensorInfo[],
): void {
  tf.registerKernel({
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) =>
      run(asGpu(backend), Object.values(inputs) as tf.TensorInfo[], attrs as unknown as A),
  });
}

export function bufferOf(gpu: Gpu, t: tf.TensorInfo): GPUBuffer {
  gpu.uploadToGPU(t.dataId);
  return gpu.tensorMap.get(t.dataId).resource as GPUBuffer;
}

const elementType = (b: Binding): Scalar =>
  b.type ?? (b.tensor.dtype === 'float32' ? 'f32' : 'i32');

function declarations(d: Dispatch): string {
  const fields = d.uniforms.length ? d.uniforms : [{ name: 'unused', type: 'u32' as const }];
  return [
    `struct Uniforms { ${fields.map((f) => `${f.name}: ${f.type},`).join(' ')} };`,
    ...d.bindings.map(
      (b, i) =>
        `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${elementType(b)}>;`,
    ),
    `@group(0) @binding(${d.bindings.length}) var<uniform> u: Uniforms;`,
    d.body,
  ].join('\n');
}

interface Compiled {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const pipelines = new WeakMap<GPUDevice, Map<string, Compiled>>();

function compiled(gpu: Gpu, d: Dispatch): Compiled {
  let cache = pipelines.get(gpu.device);
  if (!cache) pipelines.set(gpu.device, (cache = new Map()));
  const key = `${d.key}|${d.bindings.map((b) => `${b.access}:${elementType(b)}`).join(',')}`;
  let c = cache.get(key);
  if (!c) {
    const layout = gpu.device.createBindGroupLayout({
      entries: [
        ...d.bindings.map((b, i) => ({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: {
            type: b.access === 'read' ? ('read-only-storage' as const) : ('storage' as const),
          },
        })),
        {
          binding: d.bindings.length,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'uniform' as const },
        },
      ],
    });
    const module = gpu.device.createShaderModule({ code: declarations(d), label: d.key });
    const pipeline = gpu.device.createComputePipeline({
      layout: gpu.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
      label: d.key,
    });
    cache.set(key, (c = { pipeline, layout }));
  }
  return c;
}

function uniformBuffer(gpu: Gpu, uniforms: Uniform[]): GPUBuffer {
  // Every field is a 4-byte scalar; a uniform struct's size rounds up to 16 bytes.
  const size = Math.max(16, Math.ceil((uniforms.length * 4) / 16) * 16);
  const data = new ArrayBuffer(size);
  const view = new DataView(data);
  uniforms.forEach((f, i) => {
    if (f.type === 'f32') view.setFloat32(4 * i, f.value, true);
    else if (f.type === 'i32') view.setInt32(4 * i, f.value, true);
    else view.setUint32(4 * i, f.value, true);
  });
  const buffer = gpu.bufferManager.acquireBuffer(
    size,
    GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  );
  gpu.queue.writeBuffer(buffer, 0, data);
  // Returned to the pool after the submit that reads it.
  gpu.uniformPendingDisposal.push(buffer);
  return buffer;
}

function countDispatch(gpu: Gpu): void {
  gpu.dispatchCountInPass++;
  if (gpu.dispatchCountInPass >= tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE')) {
    gpu.endComputePassEncoder();
    gpu.submitQueue();
  }
}

/** Records one dispatch of `d` on the backend's command stream. */
export function dispatch(gpu: Gpu, d: Dispatch): void {
  const { pipeline, layout } = compiled(gpu, d);
  const entries: GPUBindGroupEntry[] = d.bindings.map((b, i) => ({
    binding: i,
    resource: { buffer: bufferOf(gpu, b.tensor) },
  }));
  entries.push({
    binding: d.bindings.length,
    resource: { buffer: uniformBuffer(gpu, d.uniforms) },
  });
  const bindGroup = gpu.device.createBindGroup({ layout, entries });
  gpu.ensureCommandEncoderReady();
  const timers = gpu.supportTimestampQuery ? gpu.activeTimers : null;
  if (timers) beginTimedPass(gpu);
  gpu.computePassEncoder ??= gpu.commandEncoder!.beginComputePass();
  gpu.computePassEncoder.setPipeline(pipeline);
  gpu.computePassEncoder.setBindGroup(0, bindGroup);
  gpu.computePassEncoder.dispatchWorkgroups(...d.workgroups);
  for (const b of d.bindings) {
    gpu.commandQueueOwnedIds.add(b.tensor.dataId);
    // A buffer written on the GPU no longer matches a copy read back earlier.
    if (b.access === 'read_write') gpu.tensorMap.get(b.tensor.dataId).values = null;
  }
  if (!timers) return countDispatch(gpu);
  gpu.endComputePassEncoder();
  timers.push({ name: d.key, query: gpu.getQueryTime() });
}

/**
 * Under `tf.profile`, a dispatch gets a compute pass of its own with timestamps at its start and
 * end, as tfjs's own programs do, so the profile's `kernelTimeMs` covers our kernels too.
 */
function beginTimedPass(gpu: Gpu): void {
  gpu.endComputePassEncoder();
  gpu.querySet ??= gpu.device.createQuerySet({ type: 'timestamp', count: gpu.querySetCount });
  gpu.computePassEncoder = gpu.commandEncoder!.beginComputePass({
    timestampWrites: {
      querySet: gpu.querySet,
      beginningOfPassWriteIndex: 0,
      endOfPassWriteIndex: 1,
    },
  });
}

/** Copies `bytes` from `src` at `srcOffset` to `dst` at `dstOffset` (byte offsets, multiples of 4). */
export function copy(
  gpu: Gpu,
  src: tf.TensorInfo,
  srcOffset: number,
  dst: tf.TensorInfo,
  dstOffset: number,
  bytes: number,
): void {
  const from = bufferOf(gpu, src);
  const to = bufferOf(gpu, dst);
  gpu.ensureCommandEncoderReady();
  gpu.endComputePassEncoder();
  gpu.commandEncoder!.copyBufferToBuffer(from, srcOffset, to, dstOffset, bytes);
  gpu.commandQueueOwnedIds.add(src.dataId);
  gpu.commandQueueOwnedIds.add(dst.dataId);
  gpu.tensorMap.get(dst.dataId).values = null;
}

/** Workgroup counts for `n` workgroups in a grid whose x stays within WebGPU's 65,535. */
export function grid(n: number): [number, number, number] {
  const x = Math.min(Math.max(n, 1), 65535);
  return [x, Math.ceil(Math.max(n, 1) / x), 1];
}

/** The storage buffers one shader may bind on this device. */
export const storageLimit = (gpu: Gpu): number => gpu.device.limits.maxStorageBuffersPerShaderStage;

/** WGSL: `hash` of dropout.ts (murmur3's finaliser) in u32 arithmetic, which wraps as Math.imul does. */
export const HASH_WGSL = /* wgsl */ `
fn dropHash(seed: u32, i: u32) -> u32 {
  var h = seed ^ (i * 0x9e3779b1u);
  h ^= h >> 16u;
  h *= 0x85ebca6bu;
  h ^= h >> 13u;
  h *= 0xc2b2ae35u;
  h ^= h >> 16u;
  return h;
}`;

/**
 * The u32 form of dropout.ts's threshold: for an integer hash, `hash ≥ rate·2³²` exactly when
 * `hash ≥ ⌈rate·2³²⌉`.
 */
export const dropThresholdU32 = (rate: number): number =>
  Math.min(Math.ceil(rate * 2 ** 32), 2 ** 32 - 1);
