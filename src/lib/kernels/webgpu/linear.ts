import type * as tf from '@tensorflow/tfjs';
import { runShader, type Scalar, type Shader } from './dispatch.ts';
import { narrowWorkgroups, once, registerGpuKernel, type Gpu } from './shader.ts';
import { matmulCode, matmulGroups, type Job } from './tiled-matmul.ts';

/**
 * `AttuneLinear`, `AttuneLinear3` and `AttuneLinearGrad` (see ../linear.ts for the maths) as tiled
 * WGSL products reading W `[out, in]` and dy in place, never transposed into new buffers:
 *
 *   forward   yᵢ = x · Wᵢᵀ + bᵢ                 one job per layer, bias added on store
 *   backward  dx = Σᵢ dyᵢ · Wᵢ                  one job, the layers' products summed in registers
 *             dWᵢ = dyᵢᵀ · x,  dbᵢ = Σ_rows dyᵢ  one job per layer, db from the staged dy tiles
 *
 * All jobs of a pass share one dispatch when the device binds enough storage buffers (the three
 * attention projections' backward needs 14; WebGPU's default is 8, where it takes three).
 */

const f32 = (name: string) => [name, 'f32'] as const;
/** Uniforms: rows of x, its width, each layer's width. */
const sizeUniforms = (layers: number): [string, Scalar][] => [
  ['rows', 'i32'],
  ['cols', 'i32'],
  ...Array.from({ length: layers }, (_, l) => [`out${l}`, 'i32'] as [string, Scalar]),
];

function forwardShader(layers: number, narrow: boolean): Shader {
  const jobs: Job[] = Array.from({ length: layers }, (_, l) => ({
    m: 'u.rows',
    n: `u.out${l}`,
    parts: [
      {
        k: 'u.cols',
        a: (m, k) => `x[${m} * u.cols + ${k}]`,
        aAlongK: true,
        b: (k, n) => `w${l}[${n} * u.cols + ${k}]`,
        bAlongN: false,
      },
    ],
    out: `y${l}`,
    bias: `b${l}`,
  }));
  return {
    key: `AttuneLinear/webgpu/forward/${layers}/${narrow ? 'narrow' : 'tiled'}`,
    outputs: jobs.map((j) => j.out),
    inputs: [f32('x'), ...jobs.flatMap((_, l) => [f32(`w${l}`), f32(`b${l}`)])],
    uniforms: sizeUniforms(layers),
    code: matmulCode(jobs, narrow),
  };
}

/** dx's job: Σ over `layers` of dyₗ `[rows, outₗ]` · Wₗ `[outₗ, cols]`. */
const dxJob = (layers: number[]): Job => ({
  m: 'u.rows',
  n: 'u.cols',
  parts: layers.map((l) => ({
    k: `u.out${l}`,
    a: (m, k) => `dy${l}[${m} * u.out${l} + ${k}]`,
    aAlongK: true,
    b: (k, n) => `w${l}[${k} * u.cols + ${n}]`,
    bAlongN: true,
  })),
  out: 'dx',
});

/** dWₗ = dyₗᵀ · x `[outₗ, cols]` and dbₗ, the row sums of dyₗᵀ. */
const dwJob = (l: number): Job => ({
  m: `u.out${l}`,
  n: 'u.cols',
  parts: [
    {
      k: 'u.rows',
      a: (m, k) => `dy${l}[${k} * u.out${l} + ${m}]`,
      aAlongK: false,
      b: (k, n) => `x[${k} * u.cols + ${n}]`,
      bAlongN: true,
    },
  ],
  out: `dw${l}`,
  rowSums: `db${l}`,
});

/** The storage bindings a job reads and writes. */
function bindingsOf(job: Job, layers: number[]): string[] {
  return job.out === 'dx'
    ? ['dx', ...layers.flatMap((l) => [`dy${l}`, `w${l}`])]
    : [job.out, job.rowSums!, `dy${job.out.slice(2)}`, 'x'];
}

/**
 * The backward jobs (dx, then each dWₗ) packed greedily into dispatches of at most `limit`
 * storage bindings each.
 */
export function packBackward(layers: number, limit: number): Job[][] {
  const all = Array.from({ length: layers }, (_, l) => l);
  const jobs = [dxJob(all), ...all.map(dwJob)];
  const groups: Job[][] = [];
  let group: Job[] = [];
  let bound = new Set<string>();
  for (const job of jobs) {
    const next = new Set([...bound, ...bindingsOf(job, all)]);
    if (group.length && next.size > limit) {
      groups.push(group);
      group = [];
      bound = new Set(bindingsOf(job, all));
    } else bound = next;
    group.push(job);
  }
  groups.push(group);
  return groups;
}

function backwardShader(jobs: Job[], layers: number, narrow: boolean): Shader {
  const names = jobs.map((j) => j.out).join(',');
  const outputs = jobs.flatMap((j) => (j.rowSums ? [j.out, j.rowSums] : [j.out]));
  const all = Array.from({ length: layers }, (_, l) => l);
  const reads = new Set(
    jobs.flatMap((j) => bindingsOf(j, all)).filter((n) => !outputs.includes(n)),
  );
  return {
    key: `AttuneLinearGrad/webgpu/${layers}/${names}/${narrow ? 'narrow' : 'tiled'}`,
    outputs,
    inputs: [...reads].sort().map(f32),
    uniforms: sizeUniforms(layers),
    code: matmulCode(jobs, narrow),
  };
}

const forwardShaders = new Map<string, Shader>();
const backwardShaders = new Map<string, { jobs: Job[]; shader: Shader }[]>();

const forwardKernel = (gpu: Gpu, [x, ...wb]: tf.TensorInfo[]): tf.TensorInfo[] => {
  const layers = wb.length / 2;
  const [rows, cols] = x.shape;
  const outs = Array.from({ length: layers }, (_, l) => wb[2 * l].shape[0]);
  const narrow = narrowWorkgroups(gpu);
  return runShader(
    gpu,
    once(forwardShaders, `${layers}/${narrow}`, () => forwardShader(layers, narrow)),
    [x, ...wb],
    outs.map((o) => [rows, o]),
    [rows, cols, ...outs],
    matmulGroups(
      outs.map((o) => [rows, o]),
      narrow,
    ),
  );
};

registerGpuKernel('AttuneLinear', forwardKernel);
registerGpuKernel('AttuneLinear3', forwardKernel);

// inputs: x, w0, dy0, w1, dy1, …; outputs: dx, dw0, db0, dw1, db1, …
registerGpuKernel('AttuneLinearGrad', (gpu, [x, ...wdy]) => {
  const layers = wdy.length / 2;
  const [rows, cols] = x.shape;
  const outs = Array.from({ length: layers }, (_, l) => wdy[2 * l].shape[0]);
  const tensors: Record<string, tf.TensorInfo> = { x };
  for (let l = 0; l < layers; l++) {
    tensors[`w${l}`] = wdy[2 * l];
    tensors[`dy${l}`] = wdy[2 * l + 1];
  }
  const made: Record<string, tf.TensorInfo> = {};
  const narrow = narrowWorkgroups(gpu);
  const limit = gpu.device.limits.maxStorageBuffersPerShaderStage;
  const shaders = once(backwardShaders, `${layers}/${limit}/${narrow}`, () =>
    packBackward(layers, limit).map((jobs) => ({
      jobs,
      shader: backwardShader(jobs, layers, narrow),
    })),
  );
  for (const { jobs, shader } of shaders) {
    const shapes = shader.outputs.map((name) => {
      if (name === 'dx') return [rows, cols];
      const o = outs[Number(name.slice(2))];
      return name.startsWith('dw') ? [o, cols] : [o];
    });
    const results = runShader(
      gpu,
      shader,
      shader.inputs.map(([name]) => tensors[name]),
      shapes,
      [rows, cols, ...outs],
      matmulGroups(
        jobs.map((j) => (j.out === 'dx' ? [rows, cols] : [outs[+j.out.slice(2)], cols])),
        narrow,
      ),
    );
    shader.outputs.forEach((name, i) => (made[name] = results[i]));
  }
  return ['dx', ...outs.flatMap((_, l) => [`dw${l}`, `db${l}`])].map((n) => made[n]);
});
