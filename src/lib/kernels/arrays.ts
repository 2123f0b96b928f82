import * as tf from '@tensorflow/tfjs';

/**
 * Kernels written once over typed arrays and registered for the backends whose tensors live in
 * memory JavaScript can address: `cpu` (a JS typed array per tensor) and `wasm` (a view on the
 * WebAssembly heap). One engine dispatch then does what a chain of stock ops does in several,
 * with no intermediate tensors.
 */
export type Values = Float32Array | Int32Array;

export interface ArrayTensor {
  shape: number[];
  values: Values;
}

export interface OutputSpec {
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface ArrayKernel<A> {
  name: string;
  /** Output shapes from input shapes: the wasm heap is allocated before any view is taken. */
  outputs(inputs: tf.TensorInfo[], attrs: A): OutputSpec[];
  /** Fills `outputs` (zeroed) from `inputs`, in the order the op passes them. */
  compute(inputs: ArrayTensor[], outputs: Values[], attrs: A): void;
}

export const ARRAY_BACKENDS = ['cpu', 'wasm'] as const;

/** The parts of tfjs-backend-cpu's `MathBackendCPU` these kernels use. */
interface CpuBackend {
  data: { get(dataId: tf.DataId): { values?: unknown } };
  readSync(dataId: tf.DataId): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo;
}

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Values;
  disposeData(dataId: tf.DataId): boolean;
  incRef(dataId: tf.DataId): void;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function cpuValues(backend: CpuBackend, t: tf.TensorInfo): Values {
  const stored = backend.data.get(t.dataId).values ?? backend.readSync(t.dataId);
  return stored as Values;
}

/** The typed array holding `t`'s data on cpu or wasm, to read (tensors are never written in place). */
export function heapValues(backend: unknown, backendName: string, t: tf.TensorInfo): Values {
  return backendName === 'cpu'
    ? cpuValues(backend as CpuBackend, t)
    : (backend as WasmBackend).typedArrayFromHeap(t);
}

function runOnCpu<A>(
  kernel: ArrayKernel<A>,
  inputs: tf.TensorInfo[],
  attrs: A,
  backend: CpuBackend,
) {
  const specs = kernel.outputs(inputs, attrs);
  const outs = specs.map((s) =>
    s.dtype === 'int32' ? new Int32Array(size(s.shape)) : new Float32Array(size(s.shape)),
  );
  kernel.compute(
    inputs.map((t) => ({ shape: t.shape, values: cpuValues(backend, t) })),
    outs,
    attrs,
  );
  return specs.map((s, i) => backend.makeTensorInfo(s.shape, s.dtype, outs[i]));
}

/** Runs `kernel` on the wasm backend's heap (its registered form on wasm, or called from a kernel of ours). */
export function runOnWasm<A>(
  kernel: ArrayKernel<A>,
  inputs: tf.TensorInfo[],
  attrs: A,
  backend: WasmBackend,
) {
  const specs = kernel.outputs(inputs, attrs);
  // Allocate first: growing the heap detaches every view taken before.
  const infos = specs.map((s) => backend.makeOutput(s.shape, s.dtype));
  const outs = infos.map((info) => {
    const view = backend.typedArrayFromHeap(info);
    view.fill(0);
    return view;
  });
  try {
    kernel.compute(
      inputs.map((t) => ({ shape: t.shape, values: backend.typedArrayFromHeap(t) })),
      outs,
      attrs,
    );
  } catch (e) {
    // A kernel that refuses its inputs leaves no heap buffer behind.
    infos.forEach((info) => backend.disposeData(info.dataId));
    throw e;
  }
  return infos;
}

/**
 * Registers `kernel` for cpu and wasm (or the `backends` given). Inputs reach `compute` in the
 * order the op's input map lists them.
 */
export function registerArrayKernel<A>(
  kernel: ArrayKernel<A>,
  backends: readonly (typeof ARRAY_BACKENDS)[number][] = ARRAY_BACKENDS,
): void {
  for (const backendName of backends) {
    tf.registerKernel({
      kernelName: kernel.name,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const list = Object.values(inputs) as tf.TensorInfo[];
        const typedAttrs = attrs as unknown as A;
        const out =
          backendName === 'cpu'
            ? runOnCpu(kernel, list, typedAttrs, backend as unknown as CpuBackend)
            : runOnWasm(kernel, list, typedAttrs, backend as unknown as WasmBackend);
        return out.length === 1 ? out[0] : out;
      },
    });
  }
}

/** A stock wasm kernel called directly from inside one of ours: no engine dispatch, no tape. */
export function wasmKernel(name: string): tf.KernelFunc {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  return kernel.kernelFunc;
}

/** Runs a registered kernel and returns its outputs as tensors, always as a list. */
export function runKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: object = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as
    tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
