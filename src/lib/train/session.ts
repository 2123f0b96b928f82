import { assertDeviceAlive, confirmDeviceAlive } from '../env/webgpu-device.ts';
import type { StepMetrics, Trainer, TrainerState } from './trainer.ts';
import { NonFiniteLossError } from './trainer.ts';

/** Where a session keeps its checkpoints (IndexedDB in the browser, files in the CLI, memory in tests). */
export interface CheckpointStore {
  save(state: TrainerState): Promise<void>;
  /** The last saved state, or null when none was saved. */
  load(): Promise<TrainerState | null>;
}

export interface SessionHooks {
  onStep?(metrics: StepMetrics): void;
  /** An evaluation point: nDCG@10 (or any score) after `step` steps; step 0 is the base model. */
  onEval?(step: number, score: number): void;
  onCheckpoint?(step: number): void;
}

export interface SessionOptions {
  checkpoints: CheckpointStore;
  /** Checkpoint every N steps (0 = only at the end). */
  checkpointEvery: number;
  /**
   * Checkpoint when the run ends, completed or stopped (default true): the studio resumes and
   * exports from it. The CLI writes the final weights as a folder instead.
   */
  checkpointAtEnd?: boolean;
  /** Evaluate every N steps (0 = only before the first step and at the end). */
  evalEvery: number;
  evaluate?: () => Promise<number>;
  /** How a step is run: the CLI wraps it to measure each step's peak memory. */
  runStep?: (step: () => Promise<StepMetrics>) => Promise<StepMetrics>;
}

export type SessionOutcome = 'completed' | 'stopped';

/**
 * Runs a Trainer step by step with pause, resume and stop between steps, periodic checkpoints
 * (and one at the end), and evaluation points. A non-finite loss puts the last checkpoint back and
 * rethrows, so the weights a person sees are always good ones. A lost GPU device ends the run with
 * GpuLostError and no further checkpoint: the last one saved is where a resumed run continues.
 */
export class TrainingSession {
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private parkedListeners: ((step: number) => void)[] = [];

  constructor(
    private readonly trainer: Trainer,
    private readonly options: SessionOptions,
    private readonly hooks: SessionHooks = {},
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** Holds the run between steps; resolves with the step it holds at once the step in flight is done. */
  pause(): Promise<number> {
    this.paused = true;
    return new Promise((resolve) => this.parkedListeners.push(resolve));
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  /** Ends the run after the current step; the weights so far are checkpointed. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  private async waitWhilePaused(): Promise<void> {
    while (this.paused && !this.stopRequested) {
      for (const parked of this.parkedListeners.splice(0)) parked(this.trainer.step);
      await new Promise<void>((r) => (this.wake = r));
    }
    this.wake = null;
  }

  private async evaluate(): Promise<void> {
    if (!this.options.evaluate) return;
    this.hooks.onEval?.(this.trainer.step, await this.options.evaluate());
  }

  private async checkpoint(): Promise<void> {
    const state = await this.trainer.snapshot().catch(async (e: unknown) => {
      await confirmDeviceAlive();
      throw e;
    });
    assertDeviceAlive();
    await this.options.checkpoints.save(state);
    this.hooks.onCheckpoint?.(this.trainer.step);
  }

  async run(): Promise<SessionOutcome> {
    const { checkpointEvery, evalEvery } = this.options;
    if (this.trainer.step === 0) await this.evaluate();
    while (!this.trainer.done) {
      // A step's awaits resolve as microtasks; yield a macrotask so that pause/stop messages
      // (worker postMessage, timers) get through between steps.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await this.waitWhilePaused();
      if (this.stopRequested) break;
      let metrics: StepMetrics;
      try {
        const step = () => this.trainer.trainStep();
        metrics = await (this.options.runStep ? this.options.runStep(step) : step());
        assertDeviceAlive();
      } catch (e) {
        await confirmDeviceAlive();
        if (e instanceof NonFiniteLossError) {
          const last = await this.options.checkpoints.load();
          if (last) this.trainer.restore(last);
        }
        throw e;
      }
      this.hooks.onStep?.(metrics);
      const step = metrics.step;
      if (this.trainer.done) break;
      if (checkpointEvery > 0 && step % checkpointEvery === 0) await this.checkpoint();
      if (evalEvery > 0 && step % evalEvery === 0) await this.evaluate();
    }
    if (this.options.checkpointAtEnd ?? true) await this.checkpoint();
    for (const parked of this.parkedListeners.splice(0)) parked(this.trainer.step);
    if (this.trainer.done) {
      await this.evaluate();
      return 'completed';
    }
    return 'stopped';
  }
}

/** Checkpoints held in memory: tests, and runs that need no persistence. */
export function memoryCheckpointStore(): CheckpointStore & { saved: number[] } {
  let last: TrainerState | null = null;
  const saved: number[] = [];
  return {
    saved,
    save: async (state) => {
      last = state;
      saved.push(state.step);
    },
    load: async () => last,
  };
}
