import * as tf from '@tensorflow/tfjs';
import type { TrainingPair } from '../src/lib/data/pairs.ts';
import { SentenceEncoder } from '../src/lib/model/encoder.ts';
import type { SentenceModel } from '../src/lib/model/folder.ts';
import { resolveTrainConfig } from '../src/lib/train/config.ts';
import { memoryBudget, planTraining } from '../src/lib/train/memory-plan.ts';
import { planContext } from '../src/lib/train/plan-context.ts';
import { Trainer } from '../src/lib/train/trainer.ts';

export interface MeasureOptions {
  batch: number;
  /** Untimed steps first: the first step compiles shaders, grows heaps, allocates moments. */
  warmup: number;
  /** Timed steps at most (0: only the instrumented step, for memory)… */
  steps: number;
  /** …and no more once this many milliseconds have gone (at least one timed step is always taken). */
  budgetMs: number;
  /**
   * With `steps` 0, time the instrumented step itself: where a step takes minutes (bge-base on a
   * CPU) the first step is the one measured, moments allocation and tf.profile's bookkeeping in it.
   */
  timeInstrumented?: boolean;
  /** GradCache mini-batch; null = the plain step. */
  miniBatch: number | null;
  /** LoRA rank (default targets query, value); null = full fine-tuning. */
  loraRank: number | null;
}

export interface StepFigures {
  /** Median wall time of one full training step (sample, tokenize, forward, backward, clip, AdamW). */
  msPerStep: number;
  /** The time is the first step's, instrumented (`timeInstrumented`), not a steady-state median. */
  firstStep: boolean;
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
  /** The memory plan's total for this run (what the CLI and the Train page print before it starts). */
  planBytes: number;
  /** Gradient checkpointing, switched on as the CLI and the studio do when the plan needs it to fit. */
  recompute: boolean;
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
  const config = resolveTrainConfig({
    batchSize: options.batch,
    steps: 1_000_000,
    miniBatch: options.miniBatch,
    loraRank: options.loraRank,
  });
  // The plan the CLI and the training worker make before a run, with its gradient checkpointing.
  const plan = planTraining(
    planContext(model, pairs, memoryBudget(tf.getBackend(), baseline)),
    config,
  );
  if (!plan.fits) throw new Error(`the memory plan refuses this run: it ${plan.problem}`);
  const encoder = new SentenceEncoder(model);
  encoder.recompute = plan.recompute;
  const trainer = new Trainer(encoder, pairs, config);
  const losses: number[] = [];
  const samplesMs: number[] = [];
  const cpuMs: number[] = [];
  const timeInstrumented = options.steps === 0 && options.timeInstrumented === true;
  // tf.profile checks every kernel's output for NaN by reading it back: not in a timed step.
  const checks = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  try {
    for (let i = 0; i < options.warmup; i++) losses.push((await trainer.trainStep()).loss);

    // One instrumented step: dispatches counted, memory profiled (it runs slower, so it is not
    // timed unless it is the only step).
    if (timeInstrumented) tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
    const t0 = performance.now();
    const cpu0 = cpuMicros();
    const [profile, gpuDispatches] = await countingGpuDispatches(() =>
      tf.profile(async () => {
        losses.push((await trainer.trainStep()).loss);
      }),
    );
    if (timeInstrumented) {
      samplesMs.push(performance.now() - t0);
      if (cpu0 !== null) cpuMs.push((cpuMicros()! - cpu0) / 1000);
    }
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checks);
    const kernelsPerStep = dispatches(profile);
    const residentBytes = tf.memory().numBytes - baseline;
    const heapBytes = wasmHeapBytes();

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
      firstStep: timeInstrumented,
      samplesMs,
      cpuMsPerStep: cpuMs.length ? median(cpuMs) : null,
      pairsPerSecond: (options.batch * 1000) / msPerStep,
      kernelsPerStep,
      gpuDispatches,
      peakBytes: profile.peakBytes - baseline,
      residentBytes,
      heapBytes,
      planBytes: plan.total,
      recompute: plan.recompute,
      losses,
    };
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checks);
    trainer.dispose();
    encoder.dispose();
  }
}
