import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel } from './arrays.ts';
import { fused } from './route.ts';

/**
 * Embedding lookup `table[ids]` whose gradient is a scatter-add, `dTable[ids[n]] += dy[n]`:
 * O(N·H) plus zeroing the table. Stock `tf.gather`'s gradient goes through UnsortedSegmentSum,
 * which tfjs-backend-cpu runs as one masked sum per vocabulary row, O(V·N·H) (87% of a MiniLM
 * step), and which tfjs-backend-wasm lacks altogether.
 */
const SCATTER_ADD_ROWS = 'AttuneScatterAddRows';

registerArrayKernel<{ rows: number }>({
  name: SCATTER_ADD_ROWS,
  outputs: ([dy], { rows }) => [{ shape: [rows, dy.shape[1]], dtype: 'float32' }],
  compute([dyT, idsT], [out]) {
    const h = dyT.shape[1];
    const dy = dyT.values as Float32Array;
    const ids = idsT.values;
    const table = out as Float32Array;
    // The ids were range-checked by the forward gather (GatherV2 refuses an id outside the table).
    for (let n = 0; n < ids.length; n++) {
      const to = ids[n] * h;
      const from = n * h;
      for (let j = 0; j < h; j++) table[to + j] += dy[from + j];
    }
  },
});

/** Rows `ids` (int32 `[N]`) of `table` `[V, H]` → `[N, H]`. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (!fused(SCATTER_ADD_ROWS)) return tf.gather(table, ids);
  const rows = table.shape[0];
  const lookup = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(t as tf.Tensor2D, ids),
      gradFunc: (dy, [savedIds]) => runKernel(SCATTER_ADD_ROWS, { dy, ids: savedIds }, { rows })[0],
    };
  });
  return lookup(table) as tf.Tensor2D;
}
