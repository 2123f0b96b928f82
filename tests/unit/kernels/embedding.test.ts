import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { embeddingLookup } from '../../../src/lib/kernels/index.ts';
import { BACKENDS, kernelsUsed, maxAbsDiff, outcome, randn, useBackend } from './routes.ts';

describe.each(BACKENDS)('embeddingLookup on %s', (backend) => {
  it('gathers rows and scatter-adds the gradient, repeated ids summed, as tf.gather on cpu', async () => {
    const ids = [3, 0, 7, 3, 3, 11, 0, 2];
    const f = (table: tf.Tensor) =>
      embeddingLookup(table as tf.Tensor2D, tf.tensor1d(ids, 'int32'));
    // The reference is stock tf.gather on cpu (tfjs-backend-wasm has no gradient for it).
    await useBackend('cpu');
    const table = randn([13, 6], 1);
    const want = await outcome('stock', f, [table]);
    const data = table.dataSync();
    table.dispose();

    await useBackend(backend);
    const t = tf.tensor2d(data, [13, 6]);
    const ours = await outcome('attune', f, [t]);
    expect(maxAbsDiff(ours.value, want.value)).toBe(0);
    expect(maxAbsDiff(ours.grads[0], want.grads[0])).toBeLessThan(1e-6);
    // Rows no id names get exactly zero.
    expect(Array.from(ours.grads[0].subarray(1 * 6, 2 * 6))).toEqual([0, 0, 0, 0, 0, 0]);
    const used = await kernelsUsed(f, [t]);
    expect(used).toContain('AttuneScatterAddRows');
    expect(used).not.toContain('UnsortedSegmentSum');
    t.dispose();
  });
});

describe.each(BACKENDS)('embeddingLookup on %s, an id outside the table', (backend) => {
  it('is refused with the id, its position and the range, and leaves no buffer behind', async () => {
    await useBackend(backend);
    const table = tf.zeros([5, 3]) as tf.Tensor2D;
    const ids = tf.tensor1d([1, 4, 5], 'int32');
    const before = tf.engine().backend.numDataIds();
    expect(() => embeddingLookup(table, ids)).toThrow(
      'embedding lookup: id 5 at position 2 is not in [0, 4]',
    );
    expect(tf.engine().backend.numDataIds()).toBe(before);
    table.dispose();
    ids.dispose();
  });
});
