import { readFileSync } from 'node:fs';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import type { TrainConfig } from '../../../src/lib/train/config.ts';

/** The outputs of transformers 4.29 + sentence-transformers 2.2.2 on the tiny fixture (see its `env`). */
export interface Reference {
  hyper: {
    steps: number;
    batch_size: number;
    lr: number;
    betas: [number, number];
    eps: number;
    weight_decay: number;
    scale: number;
  };
  tokenization: { text: string; ids: number[]; truncated: boolean; untruncated_ids: number[] }[];
  tokenizer_probes: { text: string; ids: number[] }[];
  first_batch: {
    rows: number[];
    features: Record<
      'query' | 'positive' | 'negative',
      { input_ids: number[][]; attention_mask: number[][] }
    >;
    embeddings: Record<'query' | 'positive' | 'negative', number[][]>;
    scores: number[][];
    loss: number;
    grad_norms: Record<string, number | null>;
    grad_global_norm: number;
  };
  losses: number[];
  params_changed: string[];
  params_unchanged: string[];
  final_params: Record<string, { shape: number[]; values: unknown }>;
}

export const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
export const TINY_BERT = `${FIXTURES}tiny-bert`;

export const reference: Reference = JSON.parse(
  readFileSync(`${FIXTURES}tiny-bert.reference.json`, 'utf8'),
);

/** The fixture CSV's rows (it has no quoted commas: a plain split is exact). */
export function fixturePairs(): { query: string; positive: string; negative: string }[] {
  const [, ...lines] = readFileSync(`${FIXTURES}tiny-bert.pairs.csv`, 'utf8').trim().split('\n');
  return lines.map((l) => {
    const [query, positive, negative] = l.split(',');
    return { query, positive, negative };
  });
}

/** The fixture CSV as training pairs: query, positive, and the negative as the one extra column. */
export function fixtureTrainingPairs(): TrainingPair[] {
  return fixturePairs().map((r) => ({
    query: r.query,
    positive: r.positive,
    negatives: [r.negative],
  }));
}

/** The reference run's settings (its `hyper` field): plain AdamW on everything, constant lr, no clipping. */
export const REFERENCE_RUN: Partial<TrainConfig> = {
  steps: reference.hyper.steps,
  batchSize: reference.hyper.batch_size,
  lr: reference.hyper.lr,
  adamEps: reference.hyper.eps,
  weightDecay: reference.hyper.weight_decay,
  scale: reference.hyper.scale,
  decayAll: true,
  schedule: 'constant',
  warmupRatio: 0,
  maxGradNorm: 0,
  shuffle: false,
  dropout: 0,
};
