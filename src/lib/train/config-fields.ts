import type { TrainConfig } from './config.ts';

/** How the Train page shows each setting: a label, a one-line why, and the input's shape. */
export interface ConfigField {
  key: keyof TrainConfig;
  label: string;
  help: string;
  /** 'list': comma-separated words (LoRA's target modules). */
  kind: 'number' | 'boolean' | 'select' | 'list';
  min?: number;
  max?: number;
  step?: number;
  options?: string[];
  /** Allowed to be empty (null): "from the model" or "whole batch". */
  nullable?: boolean;
}

export const CONFIG_FIELDS: readonly ConfigField[] = [
  {
    key: 'epochs',
    label: 'Epochs',
    help: 'Passes over the training pairs; one is usually enough for a pretrained model.',
    kind: 'number',
    min: 0.1,
    step: 0.1,
  },
  {
    key: 'steps',
    label: 'Steps',
    help: 'Exact number of optimizer steps; overrides epochs when set.',
    kind: 'number',
    min: 1,
    step: 1,
    nullable: true,
  },
  {
    key: 'batchSize',
    label: 'Batch size',
    help: 'Pairs per step; every other positive in the batch is a negative, so bigger helps.',
    kind: 'number',
    min: 2,
    step: 1,
  },
  {
    key: 'miniBatch',
    label: 'GradCache mini-batch',
    help: 'Embed this many at a time: same result, far less memory for big batches.',
    kind: 'number',
    min: 1,
    step: 1,
    nullable: true,
  },
  {
    key: 'maxSeqLength',
    label: 'Max tokens',
    help: 'Truncate texts to this many tokens (below the model’s own limit); memory grows with its square.',
    kind: 'number',
    min: 2,
    step: 1,
    nullable: true,
  },
  {
    key: 'freezeEmbeddings',
    label: 'Freeze word embeddings',
    help: 'No gradient or optimizer state for the vocabulary table: a third less memory on small models.',
    kind: 'boolean',
  },
  {
    key: 'loraRank',
    label: 'LoRA rank',
    help: 'Train small rank-r adapters instead of every weight (PEFT’s LoRA); empty trains the whole model.',
    kind: 'number',
    min: 1,
    step: 1,
    nullable: true,
  },
  {
    key: 'loraAlpha',
    label: 'LoRA alpha',
    help: 'Scales the adapters’ update by alpha / rank (PEFT’s default 8).',
    kind: 'number',
    min: 1,
    step: 1,
  },
  {
    key: 'loraDropout',
    label: 'LoRA dropout',
    help: 'Dropout on each adapter’s input (PEFT’s default 0).',
    kind: 'number',
    min: 0,
    max: 0.9,
    step: 0.05,
  },
  {
    key: 'loraTargets',
    label: 'LoRA targets',
    help: 'Layers that get adapters, comma-separated: query, key, value, dense (PEFT’s default query, value).',
    kind: 'list',
  },
  {
    key: 'lr',
    label: 'Learning rate',
    help: '2e-5 adapts a pretrained encoder without making it forget.',
    kind: 'number',
    min: 0,
    step: 1e-6,
  },
  {
    key: 'warmupRatio',
    label: 'Warmup',
    help: 'Share of steps ramping the learning rate up from 0, which keeps early steps stable.',
    kind: 'number',
    min: 0,
    max: 1,
    step: 0.01,
  },
  {
    key: 'schedule',
    label: 'Schedule',
    help: 'After warmup: decay linearly to 0, or hold the rate constant.',
    kind: 'select',
    options: ['linear', 'constant'],
  },
  {
    key: 'weightDecay',
    label: 'Weight decay',
    help: 'Pulls weights gently towards 0 (not biases or LayerNorm).',
    kind: 'number',
    min: 0,
    step: 0.001,
  },
  {
    key: 'maxGradNorm',
    label: 'Max gradient norm',
    help: 'Clips rare huge gradients that would wreck the weights; 0 turns it off.',
    kind: 'number',
    min: 0,
    step: 0.1,
  },
  {
    key: 'scale',
    label: 'Similarity scale',
    help: 'Multiplies cosine similarities before the softmax; 20 is the standard.',
    kind: 'number',
    min: 1,
    step: 1,
  },
  {
    key: 'symmetric',
    label: 'Symmetric loss',
    help: 'Also rank queries for each document: helps when documents are searched with documents.',
    kind: 'boolean',
  },
  {
    key: 'dropout',
    label: 'Dropout',
    help: 'Leave empty to use the model’s own (0.1 for BERT).',
    kind: 'number',
    min: 0,
    max: 0.9,
    step: 0.05,
    nullable: true,
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Same seed, same shuffling and dropout: the run can be repeated exactly.',
    kind: 'number',
    step: 1,
  },
  {
    key: 'checkpointEvery',
    label: 'Checkpoint every',
    help: 'Save weights and optimizer state every N steps so a reload can resume (0 = only at the end).',
    kind: 'number',
    min: 0,
    step: 1,
  },
];
