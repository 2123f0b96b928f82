import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { linear, setKernelRoute } from '../../../src/lib/kernels/index.ts';
import { randn, useBackend } from './routes.ts';

/** The wasm heap address of a tensor's data. */
const address = (t: tf.Tensor) =>
  (tf.backend() as unknown as { getMemoryOffset(id: tf.DataId): number }).getMemoryOffset(t.dataId);

describe('wasm Identity', () => {
  it('shares the buffer on the attune route and copies it on the stock route', async () => {
    await useBackend('wasm');
    const x = randn([4, 4], 1);
    // Any op of ours brings the route into effect for the active backend.
    linear(x as tf.Tensor2D, x as tf.Tensor2D, tf.zeros([4])).dispose();
    const shared = tf.clone(x);
    expect(address(shared)).toBe(address(x));
    expect(Array.from(shared.dataSync())).toEqual(Array.from(x.dataSync()));
    shared.dispose();
    // The original outlives its clone.
    expect(x.dataSync().length).toBe(16);

    setKernelRoute('stock');
    const copied = tf.clone(x);
    expect(address(copied)).not.toBe(address(x));
    setKernelRoute('attune');
    tf.dispose([x, copied]);
  });
});
