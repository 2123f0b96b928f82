import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { embeddingLookup } from '../../../src/lib/kernels/index.ts';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { groupById } from '../../../src/lib/kernels/webgpu/embedding.ts';
import { BACKENDS, kernelsUsed, maxAbsDiff, outcome, randn, useBackend } from './routes.ts';

describe.each([...BACKENDS, 'webgpu'])('embeddingLookup on %s', (backend) => {
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

describe.each([...BACKENDS, 'webgpu'])(
  'embeddingLookup on %s, an id outside the table',
  (backend) => {
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
  },
);

describe('the webgpu scatter-add', () => {
  it('groups token positions by id, in token order, as CSR', () => {
    // ids 2 0 2 1 over 4 rows: row 0 ← [1], row 1 ← [3], row 2 ← [0, 2], row 3 ← [].
    const { starts, positions } = groupById(Int32Array.from([2, 0, 2, 1]), 4);
    expect(Array.from(starts)).toEqual([0, 1, 2, 4, 4]);
    expect(Array.from(positions)).toEqual([1, 3, 0, 2]);
  });

  it('sums the same rows when the ids reached the GPU before the lookup saw them', async () => {
    const ids = [3, 0, 7, 3, 3, 11, 0, 2];
    await useBackend('cpu');
    const table = randn([13, 6], 1);
    const want = await outcome(
      'stock',
      (t) => embeddingLookup(t as tf.Tensor2D, tf.tensor1d(ids, 'int32')),
      [table],
    );
    const data = table.dataSync();
    table.dispose();

    await useBackend('webgpu');
    const onGpu = tf.tensor1d(ids, 'int32');
    (tf.backend() as WebGPUBackend).uploadToGPU(onGpu.dataId);
    const t = tf.tensor2d(data, [13, 6]);
    const ours = await outcome('attune', (t) => embeddingLookup(t as tf.Tensor2D, onGpu), [t]);
    expect(maxAbsDiff(ours.value, want.value)).toBe(0);
    expect(maxAbsDiff(ours.grads[0], want.grads[0])).toBeLessThan(1e-6);
    tf.dispose([t, onGpu]);
  });
});
