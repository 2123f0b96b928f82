import * as tf from '@tensorflow/tfjs';
import type { TrainingPair } from '../data/pairs.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import type { SentenceModel } from '../model/folder.ts';
import { AdamW, type AdamWState } from './adamw.ts';
import { clipGradNorm } from './clip.ts';
import type { TrainConfig } from './config.ts';
import { NoDuplicatesSampler, type SamplerState } from './sampler.ts';
import { learningRateAt } from './schedule.ts';
import { lossAndGrads, type ColumnBatch } from './step.ts';
import { SettingError } from '../util/setting-error.ts';

export interface StepMetrics {
  /** 1-based number of the step just taken. */
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  pairs: number;
  tokens: number;
  seconds: number;
}

/** Everything a resumed run needs to continue on the same trajectory. */
export interface TrainerState {
  step: number;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  adam: AdamWState;
  sampler: SamplerState;
}

/** A non-finite loss: the update was not applied, so the weights are still the last good ones. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `The loss became ${loss} at step ${step}. Training stopped before the update, so the weights are unharmed. Try a lower learning rate, gradient clipping (max grad norm 1), or check the data for empty texts.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/** The model with training-time dropout overridden (null keeps config.json's). */
export function withDropout(model: SentenceModel, dropout: number | null): SentenceModel {
  if (dropout === null) return model;
  return {
    ...model,
    config: {
      ...model.config,
      hidden_dropout_prob: dropout,
      attention_probs_dropout_prob: dropout,
    },
  };
}

/** Step s's dropout seed: a pure function of (seed, step), so a resumed run draws the same masks. */
function dropoutSeed(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2f) + Math.imul(step + 1, 0x165667b1)) >>> 0;
}

/**
 * The training loop, one step at a time so that a worker can pause, checkpoint or stop between
 * steps: sample a no-duplicates batch → MNRL (or GradCache) loss and gradients → clip → AdamW.
 */
export class Trainer {
  readonly totalSteps: number;
  readonly warmupSteps: number;
  private readonly sampler: NoDuplicatesSampler;
  private readonly optimizer: AdamW;
  private readonly negativeColumns: number;
  step = 0;

  constructor(
    private readonly encoder: SentenceEncoder,
    private readonly pairs: TrainingPair[],
    private readonly config: TrainConfig,
    resume?: TrainerState,
  ) {
    this.sampler = new NoDuplicatesSampler(
      pairs,
      config.batchSize,
      config.shuffle,
      config.seed,
      resume?.sampler,
    );
    this.totalSteps =
      config.steps ?? Math.max(1, Math.round(config.epochs * this.sampler.batchesPerEpoch));
    this.warmupSteps = Math.ceil(this.totalSteps * config.warmupRatio);
    // Every row of a batch needs the same columns: use the negatives that every pair has.
    this.negativeColumns = Math.min(...pairs.map((p) => p.negatives.length));
    const columns = Math.max(1, this.negativeColumns);
    if (config.loss === 'margin-mse' && pairs.some((p) => (p.labels?.length ?? 0) < columns))
      throw new SettingError(
        'MarginMSE needs a teacher margin for every row: label the rows with a cross-encoder, or give a score column',
      );
    this.optimizer = new AdamW(encoder.params, {
      betas: config.betas,
      eps: config.adamEps,
      weightDecay: config.weightDecay,
      decayAll: config.decayAll,
    });
    if (resume) this.restore(resume);
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  private batchOf(indices: number[]): ColumnBatch {
    const rows = indices.map((i) => this.pairs[i]);
    const columns = [rows.map((r) => r.query), rows.map((r) => r.positive)];
    for (let n = 0; n < this.negativeColumns; n++) columns.push(rows.map((r) => r.negatives[n]));
    const weighted = rows.some((r) => r.weight !== undefined);
    const labels =
      this.config.loss === 'margin-mse'
        ? rows.map((r) => r.labels!.slice(0, this.negativeColumns))
        : undefined;
    return { columns, weights: weighted ? rows.map((r) => r.weight ?? 1) : undefined, labels };
  }

  async trainStep(): Promise<StepMetrics> {
    const started = performance.now();
    const batch = this.batchOf(this.sampler.next());
    const lr = learningRateAt(
      this.step,
      this.totalSteps,
      this.config.lr,
      this.config.schedule,
      this.warmupSteps,
    );
    const result = await lossAndGrads(this.encoder, batch, {
      scale: this.config.scale,
      symmetric: this.config.symmetric,
      training: true,
      dropoutSeed: dropoutSeed(this.config.seed, this.step),
      miniBatch: this.config.miniBatch,
      loss: this.config.loss,
    });
    if (!Number.isFinite(result.loss)) {
      result.grads.forEach((g) => g.dispose());
      throw new NonFiniteLossError(this.step + 1, result.loss);
    }
    const { norm, grads } = await clipGradNorm(result.grads, this.config.maxGradNorm);
    this.optimizer.apply(grads, lr);
    grads.forEach((g) => g.dispose());
    this.step++;
    return {
      step: this.step,
      totalSteps: this.totalSteps,
      epoch: this.sampler.snapshot().epoch,
      loss: result.loss,
      lr,
      gradNorm: norm,
      pairs: batch.columns[0].length,
      tokens: result.tokens,
      seconds: (performance.now() - started) / 1000,
    };
  }

  async snapshot(): Promise<TrainerState> {
    const weights = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, v] of this.encoder.params)
      weights.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    return {
      step: this.step,
      weights,
      adam: await this.optimizer.exportState(),
      sampler: this.sampler.snapshot(),
    };
  }

  /** Puts weights, optimizer moments and the step back as `state` has them (the sampler is set at construction). */
  restore(state: TrainerState): void {
    for (const [name, t] of state.weights) {
      const v = this.encoder.params.get(name);
      if (!v) throw new Error(`checkpoint names unknown parameter "${name}"`);
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
    this.optimizer.importState(state.adam);
    this.step = state.step;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
