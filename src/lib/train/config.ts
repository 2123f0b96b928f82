import { SettingError } from '../util/setting-error.ts';
import type { ScheduleKind } from './schedule.ts';

/**
 * `mnrl`: MultipleNegativesRankingLoss, for pairs. `margin-mse`: MarginMSELoss on a teacher's
 * margins (a cross-encoder's, as GPL labels them), for (query, positive, negative…) rows.
 */
export type TrainLoss = 'mnrl' | 'margin-mse';

/**
 * Every training setting in one place, with the sentence-transformers default and why.
 * A preset or a form changes only what it names; `resolveTrainConfig` refuses unknown keys.
 */
export interface TrainConfig {
  /** Pairs per batch; every other pair's positive is an in-batch negative, so bigger is better (32). */
  batchSize: number;
  /** Peak learning rate; 2e-5 keeps a pretrained encoder from forgetting. */
  lr: number;
  /** Decoupled weight decay (0.01), not applied to biases and LayerNorm weights unless decayAll. */
  weightDecay: number;
  decayAll: boolean;
  /** Adam's ε, added after the square root (1e-6). */
  adamEps: number;
  betas: [number, number];
  /** Share of steps spent warming up linearly from 0 (10%). */
  warmupRatio: number;
  /** After warmup: linear decay to 0 ('linear') or hold ('constant'). */
  schedule: ScheduleKind;
  /** Global gradient-norm clipping (1); 0 turns it off. */
  maxGradNorm: number;
  /** Similarity scale of MNRL: cosine × 20 sharpens the softmax (20). */
  scale: number;
  /** Rank positives against anchors too (symmetric MNRL). */
  symmetric: boolean;
  /** Passes over the data when `steps` is not given (1). */
  epochs: number;
  /** Exact number of optimizer steps; overrides epochs. */
  steps: number | null;
  /** Shuffle with the seed; off = file order, batches wrapping around. */
  shuffle: boolean;
  /** Dropout during training; null = the model's config.json (0.1 for BERT). */
  dropout: number | null;
  /** Seeds shuffling and dropout: same seed, same run. */
  seed: number;
  /** GradCache mini-batch: embed this many at a time, so big batches fit in memory; null = whole batch. */
  miniBatch: number | null;
  /** Save a checkpoint every N steps (0 = only at the end). */
  checkpointEvery: number;
  /** Truncate texts to N tokens (sentence-transformers' max_seq_length); null = the model's own. Memory grows with N². */
  maxSeqLength: number | null;
  /** No gradient or optimizer state for the word-embedding table (vocabulary × hidden): the biggest single tensor. */
  freezeEmbeddings: boolean;
  /** LoRA rank r; null = full fine-tuning. Only the r-rank adapters train and hold optimizer state. */
  loraRank: number | null;
  /** LoRA α: the update is scaled by α/r (PEFT's default 8). */
  loraAlpha: number;
  /** Dropout on a LoRA adapter's input (PEFT's default 0). */
  loraDropout: number;
  /** Linear layers that get adapters, by module name (PEFT's BERT default: query, value). */
  loraTargets: string[];
  /** MNRL, or MarginMSE when every row carries a teacher's margins (GPL). */
  loss: TrainLoss;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  batchSize: 32,
  lr: 2e-5,
  weightDecay: 0.01,
  decayAll: false,
  adamEps: 1e-6,
  betas: [0.9, 0.999] as [number, number],
  warmupRatio: 0.1,
  schedule: 'linear' as ScheduleKind,
  maxGradNorm: 1,
  scale: 20,
  symmetric: false,
  epochs: 1,
  steps: null,
  shuffle: true,
  dropout: null,
  seed: 42,
  miniBatch: null,
  checkpointEvery: 0,
  maxSeqLength: null,
  freezeEmbeddings: false,
  loraRank: null,
  loraAlpha: 8,
  loraDropout: 0,
  loraTargets: ['query', 'value'],
  loss: 'mnrl' as TrainLoss,
});

/** The Linear layers of one BERT layer, by module path under `encoder.layer.N.`. */
export const BERT_LAYER_LINEARS: readonly string[] = [
  'attention.self.query',
  'attention.self.key',
  'attention.self.value',
  'attention.output.dense',
  'intermediate.dense',
  'output.dense',
];

/** PEFT's rule for a string in `target_modules`: the module's name is it, or ends with "." + it ("dense" takes all four). */
export function matchesLoraTarget(module: string, target: string): boolean {
  return module === target || module.endsWith(`.${target}`);
}

/** Defaults overlaid with `overrides`; an unknown key or an out-of-range value throws, naming it. */
export function resolveTrainConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_TRAIN_CONFIG)) throw new SettingError(`unknown training setting "${key}"`);
  }
  const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...overrides };
  const positive = (k: keyof TrainConfig, v: number) => {
    if (!(v > 0) || !Number.isFinite(v))
      throw new SettingError(`${k} must be a positive number, got ${v}`);
  };
  positive('batchSize', c.batchSize);
  positive('lr', c.lr);
  positive('scale', c.scale);
  positive('adamEps', c.adamEps);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 2)
    throw new SettingError(
      `batchSize must be an integer ≥ 2 (MNRL needs in-batch negatives), got ${c.batchSize}`,
    );
  if (c.weightDecay < 0) throw new SettingError(`weightDecay must be ≥ 0, got ${c.weightDecay}`);
  if (c.warmupRatio < 0 || c.warmupRatio > 1)
    throw new SettingError(`warmupRatio must be in [0, 1], got ${c.warmupRatio}`);
  if (c.maxGradNorm < 0) throw new SettingError(`maxGradNorm must be ≥ 0, got ${c.maxGradNorm}`);
  if (c.steps !== null && (!Number.isInteger(c.steps) || c.steps < 1))
    throw new SettingError(`steps must be a positive integer, got ${c.steps}`);
  if (c.steps === null) positive('epochs', c.epochs);
  if (c.dropout !== null && (c.dropout < 0 || c.dropout >= 1))
    throw new SettingError(`dropout must be in [0, 1), got ${c.dropout}`);
  if (c.miniBatch !== null && (!Number.isInteger(c.miniBatch) || c.miniBatch < 1))
    throw new SettingError(`miniBatch must be a positive integer, got ${c.miniBatch}`);
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 0)
    throw new SettingError(
      `checkpointEvery must be a non-negative integer, got ${c.checkpointEvery}`,
    );
  if (c.maxSeqLength !== null && (!Number.isInteger(c.maxSeqLength) || c.maxSeqLength < 2))
    throw new RangeError(`maxSeqLength must be an integer ≥ 2, got ${c.maxSeqLength}`);
  if (c.loraRank !== null && (!Number.isInteger(c.loraRank) || c.loraRank < 1))
    throw new RangeError(`loraRank must be a positive integer, got ${c.loraRank}`);
  positive('loraAlpha', c.loraAlpha);
  if (c.loraDropout < 0 || c.loraDropout >= 1)
    throw new RangeError(`loraDropout must be in [0, 1), got ${c.loraDropout}`);
  const unknown = c.loraTargets.filter(
    (t) => !BERT_LAYER_LINEARS.some((m) => matchesLoraTarget(m, t)),
  );
  if (!c.loraTargets.length || unknown.length)
    throw new RangeError(
      `loraTargets names no Linear layer of BERT: "${unknown.join(',')}" (try query, key, value, dense)`,
    );
  if (c.loss !== 'mnrl' && c.loss !== 'margin-mse')
    throw new SettingError(`loss must be "mnrl" or "margin-mse", got "${c.loss}"`);
  return c;
}
