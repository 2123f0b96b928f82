import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import {
  currentDevice,
  GpuLostError,
  replaceLostDevice,
} from '../../../src/lib/env/webgpu-device.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import { memoryCheckpointStore, TrainingSession } from '../../../src/lib/train/session.ts';
import { Trainer } from '../../../src/lib/train/trainer.ts';
import { useBackend } from '../kernels/routes.ts';
import { fixtureTrainingPairs, REFERENCE_RUN, TINY_BERT } from '../model/reference.ts';

describe('a GPU lost mid-run', () => {
  it('ends the run at its last checkpoint with a plain message, and resumes on wasm', async () => {
    await useBackend('webgpu');
    const model = await loadSentenceModel(directorySource(TINY_BERT));
    const config = resolveTrainConfig({ ...REFERENCE_RUN, steps: 4 });
    const checkpoints = memoryCheckpointStore();
    const encoder = new SentenceEncoder(model);
    const trainer = new Trainer(encoder, fixtureTrainingPairs(), config);
    const losses: number[] = [];
    const session = new TrainingSession(
      trainer,
      { checkpoints, checkpointEvery: 1, evalEvery: 0 },
      {
        onStep: (m) => {
          losses.push(m.loss);
          // The driver resets during step 3: its results and everything after are untrusted.
          if (m.step === 2) currentDevice()!.destroy();
        },
      },
    );
    const failure = await session.run().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GpuLostError);
    expect((failure as Error).message).toMatch(
      /^the GPU stopped answering \(.+\); the run stopped at its last checkpoint\. Resume it on another backend/,
    );
    // Step 2's checkpoint was taken after the loss: only step 1's is trusted.
    expect(checkpoints.saved).toEqual([1]);
    trainer.dispose();
    encoder.dispose();

    await replaceLostDevice('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const resumedEncoder = new SentenceEncoder(model);
    const resumed = new Trainer(resumedEncoder, fixtureTrainingPairs(), config);
    resumed.restore((await checkpoints.load())!);
    const outcome = await new TrainingSession(resumed, {
      checkpoints,
      checkpointEvery: 0,
      evalEvery: 0,
    }).run();
    expect(outcome).toBe('completed');
    expect(resumed.step).toBe(4);
    resumed.dispose();
    resumedEncoder.dispose();

    // The GPU is back: the next start asks Dawn for a new device.
    await useBackend('webgpu');
    expect(await tf.mul(tf.tensor([1, 2]), 3).data()).toEqual(new Float32Array([3, 6]));
  }, 300_000);
});
