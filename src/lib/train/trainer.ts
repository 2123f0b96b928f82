import * as tf from '@tensorflow/tfjs';
import type { TrainingPair } from '../data/pairs.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import type { SentenceModel } from '../model/folder.ts';
import { AdamW, type AdamWState } from './adamw.ts';
import { clipGradNorm } from './clip.ts';
import type { TrainConfig } from './config.ts';
import { NoDuplicatesSampler, type SamplerState } from './sampler.ts';
import { learningRateAt } from './schedule.ts';
import { initialLoraWeights, LoraAdapter, loraSettings, type LoraSettings } from './lora.ts';
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
  /** The trained tensors: every encoder parameter, or with LoRA the adapter's A and B. */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  /** Present when `weights` is a LoRA adapter: what merging it into the base needs. */
  lora?: LoraSettings;
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

/** The word-embedding table, frozen by `freezeEmbeddings`. */
export const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';

/** The model as a run trains it: its dropout override and its token limit (`maxSeqLength`). */
export function modelForRun(model: SentenceModel, config: TrainConfig): SentenceModel {
  const limit = model.config.max_position_embeddings;
  if (config.maxSeqLength !== null && config.maxSeqLength > limit)
    throw new RangeError(
      `maxSeqLength ${config.maxSeqLength} is above the model's limit of ${limit} tokens (max_position_embeddings)`,
    );
  const m = withDropout(model, config.dropout);
  return config.maxSeqLength === null ? m : { ...m, maxSeqLength: config.maxSeqLength };
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
  /** The LoRA adapter when the run trains one (the encoder's own weights then stay frozen). */
  readonly lora: LoraAdapter | null = null;
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
    const lora = loraSettings(config);
    if (lora) {
      const weights = resume?.lora
        ? resume.weights
        : initialLoraWeights(encoder.model.config, lora, config.seed);
      this.lora = new LoraAdapter(lora, weights);
      encoder.adapter = this.lora;
      encoder.trainable = this.lora.params;
    } else if (config.freezeEmbeddings) {
      encoder.trainable = new Map([...encoder.params].filter(([n]) => n !== WORD_EMBEDDINGS));
    }
    this.optimizer = new AdamW(encoder.trainable, {
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
    const { norm, factor } = await clipGradNorm(result.grads, this.config.maxGradNorm);
    this.optimizer.apply(result.grads, lr, factor);
    result.grads.forEach((g) => g.dispose());
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
    for (const [name, v] of this.encoder.trainable)
      weights.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    return {
      step: this.step,
      weights,
      lora: this.lora?.settings,
      adam: await this.optimizer.exportState(),
      sampler: this.sampler.snapshot(),
    };
  }

  /** Puts weights, optimizer moments and the step back as `state` has them (the sampler is set at construction). */
  restore(state: TrainerState): void {
    for (const [name, t] of state.weights) {
      const v = this.encoder.params.get(name) ?? this.lora?.params.get(name);
      if (!v) throw new Error(`checkpoint names unknown parameter "${name}"`);
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
    this.optimizer.importState(state.adam);
    this.step = state.step;
  }

  dispose(): void {
    this.optimizer.dispose();
    if (this.lora) {
      this.encoder.adapter = null;
      this.encoder.trainable = this.encoder.params;
      this.lora.dispose();
    }
  }
}
