import * as tf from '@tensorflow/tfjs';
import type { TrainingPair } from '../src/lib/data/pairs.ts';
import { SentenceEncoder } from '../src/lib/model/encoder.ts';
import type { SentenceModel } from '../src/lib/model/folder.ts';
import { resolveTrainConfig } from '../src/lib/train/config.ts';
import { Trainer } from '../src/lib/train/trainer.ts';

export interface MeasureOptions {
  batch: number;
  /** Untimed steps first: the first step compiles shaders, grows heaps, allocates moments. */
  warmup: number;
  /** Timed steps at most (0: only the instrumented step, for memory)… */
  steps: number;
  /** …and no more once this many milliseconds have gone (at least one timed step is always taken). */
  budgetMs: number;
  /** GradCache mini-batch; null = the plain step. */
  miniBatch: number | null;
}

export interface StepFigures {
  /** Median wall time of one full training step (sample, tokenize, forward, backward, clip, AdamW). */
  msPerStep: number;
  /** Every timed step, in order. */
  samplesMs: number[];
  /**
   * Median CPU time of the process per step (Node only; null in a browser). On a machine that
   * other work shares, wall time stretches with the load while CPU time stays with the step.
   */
  cpuMsPerStep: number | null;
  pairsPerSecond: number;
  /** Kernels the engine dispatched to the backend in one step. */
  kernelsPerStep: number;
  /**
   * webgpu only: compute shaders dispatched in one step, tfjs's and ours (a kernel of ours may
   * run a few; reshapes and the tape's saved-tensor Identity run none). Each costs tens of µs of API time on a real GPU, whatever its size.
   */
  gpuDispatches: number | null;
  /**
   * Most backend memory this run held at once during one step (`tf.profile` peakBytes, less
   * what was allocated before the model was made): weights, moments, activations, gradients.
   */
  peakBytes: number;
  /** Backend memory held between steps: weights, AdamW moments. */
  residentBytes: number;
  /** wasm only: the WebAssembly heap after the instrumented step (it never shrinks: a high-water mark). */
  heapBytes: number | null;
  losses: number[];
}

/**
 * Backend kernels the engine dispatched during a profile: registered kernels of the active
 * backend, not `customGrad` wrappers (which dispatch kernels of their own, counted themselves),
 * nor the stock kernels that one of ours calls directly inside its own dispatch.
 */
function dispatches(profile: { kernels: { name: string }[] }): number {
  const backend = tf.getBackend();
  return profile.kernels.filter((k) => tf.getKernel(k.name, backend) != null).length;
}

/**
 * Counts the compute shaders dispatched while `body` runs on webgpu: every
 * `dispatchWorkgroups` on any compute pass, tfjs's programs and ours (which record on tfjs's
 * command stream with their own pipelines). Null on other backends.
 */
async function countingGpuDispatches<T>(body: () => Promise<T>): Promise<[T, number | null]> {
  if (tf.getBackend() !== 'webgpu') return [await body(), null];
  const pass = globalThis.GPUComputePassEncoder.prototype;
  const original = pass.dispatchWorkgroups;
  let count = 0;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args) {
    count++;
    return original.apply(this, args);
  };
  try {
    return [await body(), count];
  } finally {
    pass.dispatchWorkgroups = original;
  }
}

function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

/** User + system CPU microseconds of this process, where the platform tells (Node). */
function cpuMicros(): number | null {
  const usage = globalThis.process?.cpuUsage?.();
  return usage ? usage.user + usage.system : null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Trains `model` on `pairs` with the studio's own Trainer and measures its steps on the current backend. */
export async function measureTraining(
  model: SentenceModel,
  pairs: TrainingPair[],
  options: MeasureOptions,
): Promise<StepFigures> {
  // tf.memory() counts every tensor alive; earlier measurements may have left some behind.
  const baseline = tf.memory().numBytes;
  const encoder = new SentenceEncoder(model);
  const trainer = new Trainer(
    encoder,
    pairs,
    resolveTrainConfig({
      batchSize: options.batch,
      steps: 1_000_000,
      miniBatch: options.miniBatch,
    }),
  );
  const losses: number[] = [];
  try {
    for (let i = 0; i < options.warmup; i++) losses.push((await trainer.trainStep()).loss);

    // One instrumented step: dispatches counted, memory profiled (it runs slower, so it is not timed).
    const [profile, gpuDispatches] = await countingGpuDispatches(() =>
      tf.profile(async () => {
        losses.push((await trainer.trainStep()).loss);
      }),
    );
    const kernelsPerStep = dispatches(profile);
    const residentBytes = tf.memory().numBytes - baseline;
    const heapBytes = wasmHeapBytes();

    const samplesMs: number[] = [];
    const cpuMs: number[] = [];
    const started = performance.now();
    while (
      samplesMs.length < options.steps &&
      (samplesMs.length === 0 || performance.now() - started < options.budgetMs)
    ) {
      const t = performance.now();
      const cpu = cpuMicros();
      losses.push((await trainer.trainStep()).loss);
      samplesMs.push(performance.now() - t);
      if (cpu !== null) cpuMs.push((cpuMicros()! - cpu) / 1000);
    }
    const msPerStep = samplesMs.length ? median(samplesMs) : NaN;
    return {
      msPerStep,
      samplesMs,
      cpuMsPerStep: cpuMs.length ? median(cpuMs) : null,
      pairsPerSecond: (options.batch * 1000) / msPerStep,
      kernelsPerStep,
      gpuDispatches,
      peakBytes: profile.peakBytes - baseline,
      residentBytes,
      heapBytes,
      losses,
    };
  } finally {
    trainer.dispose();
    encoder.dispose();
  }
}
