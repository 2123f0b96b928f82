import { grid } from './shader.ts';

/**
 * WGSL for tiled matrix products `C[M, N] = Σ_parts op(A)·op(B)` with workgroup-shared tiles:
 * each workgroup of 16×16 threads computes a 64×64 block of C, each thread a 4×4 grid of it
 * (rows ty + 16i, columns tx + 16j, so neighbouring threads read neighbouring shared words and
 * write neighbouring output words), walking K in steps of 16 through two 64×16 tiles staged in
 * workgroup memory. Operands are read in place through index expressions, transposed or not: a
 * tile loader walks whichever axis is contiguous in memory so global reads coalesce.
 *
 * Several products ("jobs") share one dispatch, one per `workgroup_id.z`: the linear layers'
 * forward pass (one job per layer) and backward pass (dx and each dW) then cost one dispatch.
 *
 * The narrow form (shader.ts, `setNarrowWorkgroups`) has one invocation per 4×4 block of C
 * reading its operands straight from memory: same sums in the same k order, no shared tiles.
 */

/** One product term `op(A)[m, k] · op(B)[k, n]` summed over k < K. */
export interface Part {
  /** WGSL expression for K. */
  k: string;
  /** WGSL expression for op(A)[m, k] given i32 `m`, `k`. */
  a: (m: string, k: string) => string;
  /** Whether consecutive k of op(A) are consecutive in memory (A not transposed). */
  aAlongK: boolean;
  /** WGSL expression for op(B)[k, n]. */
  b: (k: string, n: string) => string;
  /** Whether consecutive n of op(B) are consecutive in memory (B not transposed). */
  bAlongN: boolean;
}

export interface Job {
  /** WGSL expressions for C's rows and columns. */
  m: string;
  n: string;
  parts: Part[];
  /** Output binding for C `[M, N]`, row-major. */
  out: string;
  /** Input binding added to every row of C (a Linear layer's bias). */
  bias?: string;
  /** Output binding for Σ_k op(A)[m, k] `[M]` (a Linear layer's bias gradient, Σ over dy's rows). */
  rowSums?: string;
}

export const TILE = 64;
const TK = 16;
const THREADS = 16;
/** Outputs per thread along each axis. */
const PER = TILE / THREADS;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function loadTiles(part: Part): string {
  const a = part.aAlongK ? ['e % 16', 'e / 16'] : ['e / 64', 'e % 64'];
  const b = part.bAlongN ? ['e / 64', 'e % 64'] : ['e % 16', 'e / 16'];
  return `
        for (var r = 0; r < 4; r++) {
          let e = lid + r * 256;
          let ak = ${a[0]}; let am = ${a[1]};
          let m = row0 + am; let k = k0 + ak;
          var va = 0.0;
          if (m < M && k < K) { va = ${part.a('m', 'k')}; }
          tileA[ak * ${TILE} + am] = va;
          let bk = ${b[0]}; let bn = ${b[1]};
          let kb = k0 + bk; let n = col0 + bn;
          var vb = 0.0;
          if (kb < K && n < N) { vb = ${part.b('kb', 'n')}; }
          tileB[bk * ${TILE} + bn] = vb;
        }`;
}

/** The 4×4 register block's update for one k of the shared tiles. */
function multiplyTile(): string {
  const loads = range(PER).map(
    (i) =>
      `let a${i} = tileA[kk * ${TILE} + ty + ${THREADS * i}]; ` +
      `let b${i} = tileB[kk * ${TILE} + tx + ${THREADS * i}];`,
  );
  const fmas = range(PER).flatMap((i) =>
    range(PER).map((j) => `acc[${i * PER + j}] = fma(a${i}, b${j}, acc[${i * PER + j}]);`),
  );
  return `
        for (var kk = 0; kk < ${TK}; kk++) {
          ${loads.join('\n          ')}
          ${fmas.join(' ')}
        }`;
}

function jobCode(job: Job): string {
  const rowSums = job.rowSums
    ? `
        if (wid.x == 0u && tx == 0) {
          for (var kk = 0; kk < ${TK}; kk++) {
            ${range(PER)
              .map((i) => `rs[${i}] += tileA[kk * ${TILE} + ty + ${THREADS * i}];`)
              .join(' ')}
          }
        }`
    : '';
  const parts = job.parts
    .map(
      (part) => `
    {
      let K = ${part.k};
      for (var k0 = 0; k0 < K; k0 += ${TK}) {${loadTiles(part)}
        workgroupBarrier();${multiplyTile()}${rowSums}
        workgroupBarrier();
      }
    }`,
    )
    .join('');
  const stores = range(PER)
    .flatMap((i) =>
      range(PER).map(
        (j) => `
    { let m = row0 + ty + ${THREADS * i}; let n = col0 + tx + ${THREADS * j};
      if (m < M && n < N) { ${job.out}[m * N + n] = acc[${i * PER + j}]${job.bias ? ` + ${job.bias}[n]` : ''}; } }`,
      ),
    )
    .join('');
  const storeRowSums = job.rowSums
    ? `
    if (wid.x == 0u && tx == 0) {
      for (var i = 0; i < ${PER}; i++) {
        let m = row0 + ty + ${THREADS} * i;
        if (m < M) { ${job.rowSums}[m] = rs[i]; }
      }
    }`
    : '';
  return `
  let M = ${job.m}; let N = ${job.n};
  let row0 = i32(wid.y) * ${TILE}; let col0 = i32(wid.x) * ${TILE};
  // Whole workgroups leave together (wid and the uniforms are uniform), before any barrier.
  if (row0 >= M || col0 >= N) { return; }
  var acc: array<f32, ${PER * PER}>;
  var rs: array<f32, ${PER}>;${parts}${stores}${storeRowSums}`;
}

/** The entry point running `jobs[workgroup_id.z]`. */
function tiledMatmul(jobs: Job[]): string {
  const cases = jobs.map((job, z) => `    case ${z}u: {${jobCode(job)}\n    }`).join('\n');
  return `
var<workgroup> tileA: array<f32, ${TILE * TK}>;
var<workgroup> tileB: array<f32, ${TILE * TK}>;

@compute @workgroup_size(${THREADS}, ${THREADS}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) index: u32) {
  let tx = i32(local.x); let ty = i32(local.y); let lid = i32(index);
  switch wid.z {
${cases}
    default: {}
  }
}`;
}

/** Rows and columns of C per invocation in the narrow form… */
const BLOCK = 4;
/** …and invocations per workgroup. */
const DIRECT_GROUP = 64;

function directJobCode(job: Job): string {
  const guard = (i: number, name: string, index: string, limit: string, value: string) =>
    `var ${name}${i} = 0.0; if (${index} < ${limit}) { ${name}${i} = ${value}; }`;
  const parts = job.parts
    .map((part) => {
      const loads = range(BLOCK).flatMap((i) => [
        guard(i, 'a', `row0 + ${i}`, 'M', part.a(`(row0 + ${i})`, 'k')),
        guard(i, 'b', `col0 + ${i}`, 'N', part.b('k', `(col0 + ${i})`)),
      ]);
      const fmas = range(BLOCK).flatMap((i) =>
        range(BLOCK).map(
          (j) => `acc[${i * BLOCK + j}] = fma(a${i}, b${j}, acc[${i * BLOCK + j}]);`,
        ),
      );
      const sums = job.rowSums
        ? `
        if (col0 == 0) { ${range(BLOCK)
          .map((i) => `rs[${i}] += a${i};`)
          .join(' ')} }`
        : '';
      return `
    {
      let K = ${part.k};
      for (var k = 0; k < K; k++) {
        ${loads.join('\n        ')}
        ${fmas.join(' ')}${sums}
      }
    }`;
    })
    .join('');
  const stores = range(BLOCK)
    .flatMap((i) =>
      range(BLOCK).map(
        (j) => `
    { let m = row0 + ${i}; let n = col0 + ${j};
      if (m < M && n < N) { ${job.out}[m * N + n] = acc[${i * BLOCK + j}]${job.bias ? ` + ${job.bias}[n]` : ''}; } }`,
      ),
    )
    .join('');
  const storeRowSums = job.rowSums
    ? `
    if (col0 == 0) {
      for (var i = 0; i < ${BLOCK}; i++) {
        if (row0 + i < M) { ${job.rowSums}[row0 + i] = rs[i]; }
      }
    }`
    : '';
  return `
  let M = ${job.m}; let N = ${job.n};
  let across = (N + ${BLOCK - 1}) / ${BLOCK};
  let row0 = (block / across) * ${BLOCK}; let col0 = (block % across) * ${BLOCK};
  if (row0 >= M) { return; }
  var acc: array<f32, ${BLOCK * BLOCK}>;
  var rs: array<f32, ${BLOCK}>;${parts}${stores}${storeRowSums}`;
}

/**
 * The narrow form's entry point running `jobs[workgroup_id.z]`: invocation `block` of the job
 * takes C's 4×4 block `block` in row-major block order. No workgroup memory, no barriers, so
 * its invocations need not be one per workgroup.
 */
function directMatmul(jobs: Job[]): string {
  const cases = jobs.map((job, z) => `    case ${z}u: {${directJobCode(job)}\n    }`).join('\n');
  return `
@compute @workgroup_size(${DIRECT_GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let block = i32((wid.y * groups.x + wid.x) * ${DIRECT_GROUP}u + lid);
  switch wid.z {
${cases}
    default: {}
  }
}`;
}

/** The product's WGSL: tiled, or in the narrow form (see the top of this file). */
export const matmulCode = (jobs: Job[], narrow: boolean): string =>
  narrow ? directMatmul(jobs) : tiledMatmul(jobs);

/** Workgroups for `jobs` whose sizes are `[M, N]` each. */
export function matmulGroups(sizes: [number, number][], narrow = false): [number, number, number] {
  if (narrow) {
    const blocks = Math.max(...sizes.map(([m, n]) => Math.ceil(m / BLOCK) * Math.ceil(n / BLOCK)));
    const [x, y] = grid(Math.ceil(blocks / DIRECT_GROUP));
    return [x, y, sizes.length];
  }
  const up = (v: number) => Math.max(1, Math.ceil(v / TILE));
  return [
    Math.max(...sizes.map(([, n]) => up(n))),
    Math.max(...sizes.map(([m]) => up(m))),
    sizes.length,
  ];
}
