import * as tf from '@tensorflow/tfjs';
import { EmbeddingIdError } from '../embedding.ts';
import { flatGroups, flatMain, runShader, type Scalar, type Shader } from './dispatch.ts';
import { registerGpuKernel, type Gpu } from './shader.ts';

/**
 * `AttuneGatherRows` and `AttuneScatterAddRows` (../embedding.ts) in WGSL. WGSL has no float
 * atomics, and a scatter-add with integer atomics would depend on scheduling; instead the
 * gradient is a segment sum: the token positions grouped by id (a counting sort of the ids, done
 * on the CPU when the lookup sees them — token ids are CPU data, straight from the tokenizer) as
 * CSR `starts [V + 1]`, `positions [N]`, and one thread per table element (v, j) adds
 * dy[positions[p], j] for p in starts[v]..starts[v + 1], in token order, as the cpu kernel does.
 * Ids that reached the GPU before the lookup ever saw them on the CPU (no grouping) take a
 * slower path with the same sums: one thread per column walks the tokens in order.
 */

const LANES = 256;

interface Grouping {
  starts: Int32Array;
  positions: Int32Array;
}

/** Groupings by the ids tensor's data, made when the forward lookup reads the ids. */
const groupings = new WeakMap<tf.DataId, Grouping>();

/** Positions 0..N−1 grouped by id (counting sort, stable), as CSR over `rows` ids. */
export function groupById(ids: Int32Array, rows: number): Grouping {
  const starts = new Int32Array(rows + 1);
  for (const id of ids) starts[id + 1]++;
  for (let v = 0; v < rows; v++) starts[v + 1] += starts[v];
  const next = starts.slice(0, rows);
  const positions = new Int32Array(ids.length);
  ids.forEach((id, n) => (positions[next[id]++] = n));
  return { starts, positions };
}

/** Range-checks and groups `ids` if their values are still on the CPU (before first upload). */
function groupOnCpu(gpu: Gpu, ids: tf.TensorInfo, rows: number): void {
  if (groupings.has(ids.dataId)) return;
  const values = gpu.tensorMap.get(ids.dataId).values;
  if (!values) return;
  const list = values as Int32Array;
  list.forEach((id, n) => {
    if (!(id >= 0 && id < rows)) throw new EmbeddingIdError(id, n, rows);
  });
  groupings.set(ids.dataId, groupById(list, rows));
}

/** Uniforms of a pass with one thread per element of a `[·, cols]` output of `size` elements. */
const FLAT_ROWS: [string, Scalar][] = [
  ['size', 'u32'],
  ['cols', 'u32'],
];

const GATHER: Shader = {
  key: 'AttuneGatherRows/webgpu',
  outputs: ['out'],
  inputs: [
    ['table', 'f32'],
    ['ids', 'i32'],
  ],
  uniforms: FLAT_ROWS,
  code: flatMain(
    LANES,
    'i',
    `  if (i >= u.size) { return; }
  let n = i / u.cols;
  out[i] = table[u32(ids[n]) * u.cols + (i - n * u.cols)];`,
  ),
};

/** One thread per table element: the segment sum of its id's token rows. */
const SEGMENT_SUM: Shader = {
  key: 'AttuneScatterAddRows/webgpu/segments',
  outputs: ['table'],
  inputs: [
    ['dy', 'f32'],
    ['starts', 'i32'],
    ['positions', 'i32'],
  ],
  uniforms: FLAT_ROWS,
  code: flatMain(
    LANES,
    'i',
    `  if (i >= u.size) { return; }
  let v = i / u.cols;
  let j = i - v * u.cols;
  var sum = 0.0;
  for (var p = starts[v]; p < starts[v + 1u]; p++) { sum += dy[u32(positions[p]) * u.cols + j]; }
  table[i] = sum;`,
  ),
};

/** Without a grouping: thread j zeroes column j of the table, then adds the tokens in order. */
const COLUMN_WALK: Shader = {
  key: 'AttuneScatterAddRows/webgpu/columns',
  outputs: ['table'],
  inputs: [
    ['dy', 'f32'],
    ['ids', 'i32'],
  ],
  uniforms: [
    ['rows', 'u32'],
    ['cols', 'u32'],
    ['tokens', 'u32'],
  ],
  code: flatMain(
    LANES,
    'j',
    `  if (j >= u.cols) { return; }
  for (var v = 0u; v < u.rows; v++) { table[v * u.cols + j] = 0.0; }
  for (var n = 0u; n < u.tokens; n++) {
    let at = u32(ids[n]) * u.cols + j;
    table[at] = table[at] + dy[n * u.cols + j];
  }`,
  ),
};

registerGpuKernel('AttuneGatherRows', (gpu, [table, ids]) => {
  const [rows, cols] = table.shape;
  groupOnCpu(gpu, ids, rows);
  const size = ids.shape[0] * cols;
  return runShader(
    gpu,
    GATHER,
    [table, ids],
    [[ids.shape[0], cols]],
    [size, cols],
    flatGroups(size, LANES),
  )[0];
});

registerGpuKernel<{ rows: number }>('AttuneScatterAddRows', (gpu, [dy, ids], { rows }) => {
  const cols = dy.shape[1];
  const shape = [rows, cols];
  groupOnCpu(gpu, ids, rows);
  const grouping = groupings.get(ids.dataId);
  if (!grouping)
    return runShader(
      gpu,
      COLUMN_WALK,
      [dy, ids],
      [shape],
      [rows, cols, ids.shape[0]],
      [Math.ceil(cols / LANES), 1, 1],
    )[0];
  const starts = gpu.makeTensorInfo([rows + 1], 'int32', grouping.starts);
  const positions = gpu.makeTensorInfo([ids.shape[0]], 'int32', grouping.positions);
  const [out] = runShader(
    gpu,
    SEGMENT_SUM,
    [dy, starts, positions],
    [shape],
    [rows * cols, cols],
    flatGroups(rows * cols, LANES),
  );
  gpu.disposeData(starts.dataId);
  gpu.disposeData(positions.dataId);
  return out;
});
