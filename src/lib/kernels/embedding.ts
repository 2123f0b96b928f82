import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel } from './arrays.ts';
import { fused } from './route.ts';

/**
 * Embedding lookup `table[ids]` as a row copy, whose gradient is a scatter-add,
 * `dTable[ids[n]] += dy[n]`: O(N·H) plus zeroing the table. Stock `tf.gather`'s gradient goes
 * through UnsortedSegmentSum, which tfjs-backend-cpu runs as one masked sum per vocabulary row,
 * O(V·N·H) (87% of a MiniLM step), and which tfjs-backend-wasm lacks altogether; wasm's own
 * GatherV2 takes ~0.4 ms for the tiny fixture's 192 × 32 rows, where copying them takes µs.
 */
const GATHER_ROWS = 'AttuneGatherRows';
const SCATTER_ADD_ROWS = 'AttuneScatterAddRows';

/** An id outside the embedding table (GatherV2's check, with the position named). */
export class EmbeddingIdError extends RangeError {
  constructor(
    readonly id: number,
    readonly position: number,
    readonly rows: number,
  ) {
    super(`embedding lookup: id ${id} at position ${position} is not in [0, ${rows - 1}]`);
    this.name = 'EmbeddingIdError';
  }
}

registerArrayKernel<{ rows: number }>({
  name: GATHER_ROWS,
  outputs: ([table, ids]) => [{ shape: [ids.shape[0], table.shape[1]], dtype: 'float32' }],
  compute([tableT, idsT], [out]) {
    const [rows, h] = tableT.shape;
    const table = tableT.values;
    const ids = idsT.values;
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n];
      if (!(id >= 0 && id < rows)) throw new EmbeddingIdError(id, n, rows);
      out.set(table.subarray(id * h, id * h + h), n * h);
    }
  },
});

registerArrayKernel<{ rows: number }>({
  name: SCATTER_ADD_ROWS,
  outputs: ([dy], { rows }) => [{ shape: [rows, dy.shape[1]], dtype: 'float32' }],
  compute([dyT, idsT], [out]) {
    const h = dyT.shape[1];
    const dy = dyT.values as Float32Array;
    const ids = idsT.values;
    const table = out as Float32Array;
    // The ids were range-checked by the forward lookup.
    for (let n = 0; n < ids.length; n++) {
      const to = ids[n] * h;
      const from = n * h;
      for (let j = 0; j < h; j++) table[to + j] += dy[from + j];
    }
  },
});

tf.registerGradient({
  kernelName: GATHER_ROWS,
  inputsToSave: ['ids'],
  // The ids are data, never on a gradient's path: the tape prunes them, so only the table's.
  gradFunc: (dy, [ids], attrs) => ({
    table: () => runKernel(SCATTER_ADD_ROWS, { dy: dy as tf.Tensor, ids }, attrs)[0],
  }),
});

/** Rows `ids` (int32 `[N]`) of `table` `[V, H]` → `[N, H]`. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (!fused(GATHER_ROWS)) return tf.gather(table, ids);
  return runKernel(GATHER_ROWS, { table, ids }, { rows: table.shape[0] })[0] as tf.Tensor2D;
}
