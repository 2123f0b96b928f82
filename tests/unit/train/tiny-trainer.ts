import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import type { TrainConfig } from '../../../src/lib/train/config.ts';
import { Trainer, withDropout, type TrainerState } from '../../../src/lib/train/trainer.ts';
import { fixtureTrainingPairs, TINY_BERT } from '../model/reference.ts';

export interface TinyBert {
  model: SentenceModel;
  pairs: TrainingPair[];
}

/** The tiny BERT on the cpu backend and the fixture's training pairs, loaded before the file's tests. */
export function useTinyBert(): TinyBert {
  const tiny = {} as TinyBert;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tiny.model = await loadSentenceModel(directorySource(TINY_BERT));
    tiny.pairs = fixtureTrainingPairs();
  });
  return tiny;
}

/** A trainer of `config` on the fixture pairs, over a fresh encoder of the tiny BERT with the config's dropout. */
export function tinyTrainer(
  tiny: TinyBert,
  config: TrainConfig,
  resume?: TrainerState,
): { encoder: SentenceEncoder; trainer: Trainer } {
  const encoder = new SentenceEncoder(withDropout(tiny.model, config.dropout));
  return { encoder, trainer: new Trainer(encoder, tiny.pairs, config, resume) };
}
