import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { probeBackends } from '../../../src/lib/env/probe.ts';
import { useBackend } from '../kernels/routes.ts';

const start = async (name: string) => {
  try {
    await useBackend(name);
    return true;
  } catch {
    return false;
  }
};

describe('probeBackends', () => {
  it('times a training step on each backend, checks it against cpu, and stays on the fastest', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const choice = await probeBackends(['cpu', 'wasm', 'nonexistent'], start);
    const [cpu, wasm, missing] = choice.trials;
    expect(cpu.ms).toBeGreaterThan(0);
    expect(wasm.ms).toBeGreaterThan(0);
    // Both computed the same step: the loss agrees to float32 rounding.
    expect(Math.abs(cpu.loss! - wasm.loss!)).toBeLessThan(1e-4);
    expect(missing.error).toBe('could not be initialised here');
    const fastest = cpu.ms! <= wasm.ms! ? 'cpu' : 'wasm';
    expect(choice.backend).toBe(fastest);
    expect(tf.getBackend()).toBe(fastest);
    expect(choice.reason).toMatch(new RegExp(`^a probe training step took \\d+ ms on ${fastest}`));
    expect(choice.reason).toContain('nonexistent: could not be initialised here');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a backend that computes a wrong loss, however fast', async () => {
    // A cpu backend whose Add subtracts: the embeddings' sum of word and position vectors,
    // hence the loss, go wrong (every other op, ours included, as on cpu).
    if (!tf.findBackend('broken-add')) {
      tf.registerBackend('broken-add', () => new MathBackendCPU());
      for (const config of tf.getKernelsForBackend('cpu'))
        tf.registerKernel({ ...config, backendName: 'broken-add' });
      tf.unregisterKernel('Add', 'broken-add');
      tf.registerKernel({
        kernelName: 'Add',
        backendName: 'broken-add',
        kernelFunc: tf.getKernel('Sub', 'cpu')!.kernelFunc,
      });
    }
    const choice = await probeBackends(['cpu', 'broken-add'], start);
    const broken = choice.trials[1];
    expect(broken.ms).toBeUndefined();
    expect(broken.error).toMatch(/^loss \S+ differs from cpu's \S+$/);
    expect(choice.backend).toBe('cpu');
  });
});
