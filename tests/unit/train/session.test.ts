import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { resolveTrainConfig, type TrainConfig } from '../../../src/lib/train/config.ts';
import { memoryCheckpointStore, TrainingSession } from '../../../src/lib/train/session.ts';
import { NonFiniteLossError, Trainer } from '../../../src/lib/train/trainer.ts';
import { fixturePairs, TINY_BERT } from '../model/reference.ts';

let model: SentenceModel;
let pairs: TrainingPair[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadSentenceModel(directorySource(TINY_BERT));
  pairs = fixturePairs().map((r) => ({ query: r.query, positive: r.positive, negatives: [] }));
});

function setup(config: Partial<TrainConfig>) {
  const encoder = new SentenceEncoder(model);
  const trainer = new Trainer(encoder, pairs, resolveTrainConfig({ batchSize: 4, ...config }));
  return { encoder, trainer, checkpoints: memoryCheckpointStore() };
}

describe('TrainingSession', () => {
  it('checkpoints every N steps and at the end, evaluating at step 0, every M steps and at the end', async () => {
    const { encoder, trainer, checkpoints } = setup({ steps: 5 });
    const evals: number[] = [];
    const steps: number[] = [];
    const session = new TrainingSession(
      trainer,
      { checkpoints, checkpointEvery: 2, evalEvery: 3, evaluate: async () => trainer.step / 10 },
      { onStep: (m) => steps.push(m.step), onEval: (s) => evals.push(s) },
    );
    expect(await session.run()).toBe('completed');
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    expect(checkpoints.saved).toEqual([2, 4, 5]);
    expect(evals).toEqual([0, 3, 5]);
    trainer.dispose();
    encoder.dispose();
  });

  it('pauses between steps, resumes, and stops with a final checkpoint', async () => {
    const { encoder, trainer, checkpoints } = setup({ steps: 50 });
    const steps: number[] = [];
    let paused: Promise<number> | null = null;
    const session: TrainingSession = new TrainingSession(
      trainer,
      { checkpoints, checkpointEvery: 0, evalEvery: 0 },
      {
        onStep: (m) => {
          steps.push(m.step);
          if (m.step === 2) paused = session.pause();
        },
      },
    );
    const outcome = session.run();
    while (!paused) await new Promise((r) => setTimeout(r, 10));
    expect(await paused).toBe(2);
    // Paused after step 2: a step takes well under a second here, so 1.5 s without one means held.
    await new Promise((r) => setTimeout(r, 1500));
    expect(steps).toEqual([1, 2]);
    expect(session.isPaused).toBe(true);
    session.resume();
    while (steps.length < 4) await new Promise((r) => setTimeout(r, 10));
    session.stop();
    expect(await outcome).toBe('stopped');
    expect(trainer.step).toBeLessThan(50);
    expect(checkpoints.saved).toEqual([trainer.step]);
    trainer.dispose();
    encoder.dispose();
  });

  it('a non-finite loss puts the last checkpoint back and says what to try', async () => {
    // lr 1e30 makes the weights ~1e30 after one step; the next forward pass overflows to NaN.
    const { encoder, trainer, checkpoints } = setup({
      steps: 4,
      lr: 1e30,
      maxGradNorm: 0,
      warmupRatio: 0,
    });
    const session = new TrainingSession(trainer, { checkpoints, checkpointEvery: 1, evalEvery: 0 });
    const error = await session.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).step).toBe(2);
    expect((error as Error).message).toMatch(/Try a lower learning rate/);
    expect(checkpoints.saved).toEqual([1]);
    expect(trainer.step).toBe(1);
    const good = (await checkpoints.load())!.weights;
    const now = await encoder.exportWeights();
    for (const [name, t] of good)
      expect(Array.from(now.get(name)!.data), name).toEqual(Array.from(t.data));
    trainer.dispose();
    encoder.dispose();
  });
});
