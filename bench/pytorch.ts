import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Fixture } from './cases.ts';
import { workload } from './cases.ts';
import type { ShapeSpec } from './models.ts';

/** The figures `bench/pytorch_step.py` prints for one case. */
export interface TorchResult {
  id: string;
  msPerStep: number;
  samplesMs: number[];
  /** Median CPU time of the process per step (all its threads). */
  cpuMsPerStep: number;
  pairsPerSecond: number;
  opsPerStep: number;
}

/** The plain product `[m, k] · [k, n]` every side of the bench times: one Linear of MiniLM's FFN. */
export const MATMUL_SHAPE = [512, 384, 1536] as const;

export interface TorchRun {
  torch: string;
  threads: number;
  /** The library behind libblas.so.3 (Debian's alternatives). */
  blas: string;
  /** `torch.__config__.show()`'s BLAS_INFO and CPU capability. */
  blasConfig: string;
  /** OpenBLAS's kernel (`openblas_get_corename`), null when the BLAS is not OpenBLAS. */
  openblasCore: string | null;
  /** `OPENBLAS_CORETYPE` as the PyTorch process saw it (the bench unsets it: null). */
  coretypeEnv: string | null;
  matmul: { shape: number[]; gflops: number };
  /** `cpu`, or the CUDA device's name. */
  device: string;
  results: TorchResult[];
}

export type TorchOutcome = { ok: true; run: TorchRun } | { ok: false; reason: string };

const SCRIPT = fileURLToPath(new URL('./pytorch_step.py', import.meta.url));

/** The token batches of the first training batch, so PyTorch times exactly the tensors tfjs trains on. */
function columnsOf(shape: ShapeSpec, fixture: Fixture) {
  const { model, pairs } = workload(shape, fixture);
  const rows = pairs.slice(0, shape.batch);
  const texts = [rows.map((r) => r.query), rows.map((r) => r.positive)];
  for (let n = 0; n < Math.min(...rows.map((r) => r.negatives.length)); n++)
    texts.push(rows.map((r) => r.negatives[n]));
  return texts.map((col) => {
    const tb = model.tokenizer.encodeBatch(col, model.maxSeqLength);
    const rowsOf = (a: Int32Array) =>
      Array.from({ length: tb.batch }, (_, i) =>
        Array.from(a.subarray(i * tb.length, (i + 1) * tb.length)),
      );
    return { ids: rowsOf(tb.inputIds), mask: rowsOf(tb.attentionMask) };
  });
}

/** The first Python that imports torch: `ATTUNE_BENCH_PYTHON`, then `python3`, then Debian's own. */
function findPython(): string | null {
  const candidates = [process.env.ATTUNE_BENCH_PYTHON, 'python3', '/usr/bin/python3'];
  for (const python of candidates) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return python;
  }
  return null;
}

/**
 * Runs the PyTorch step for `shapes` with `threads` threads on `device` (`cuda`: eager fp32, TF32
 * off); no torch, or no CUDA, is a reason, not an error.
 */
export function runPytorch(
  shapes: ShapeSpec[],
  fixture: Fixture,
  threads: number,
  device: 'cpu' | 'cuda' = 'cpu',
): TorchOutcome {
  const python = findPython();
  if (!python)
    return {
      ok: false,
      reason:
        'no python3 here imports torch (apt-get install python3-torch, or set ATTUNE_BENCH_PYTHON)',
    };
  const spec = {
    threads,
    device,
    matmul: MATMUL_SHAPE,
    cases: shapes.map((s) => ({
      id: s.id,
      layers: s.layers,
      hidden: s.hidden,
      heads: s.heads,
      intermediate: s.intermediate,
      vocab: s.vocab,
      columns: columnsOf(s, fixture),
      // The sample's step takes seconds: one warm-up is enough there.
      warmup: s.id === 'sample' ? 1 : 3,
      steps: 10,
      budget_s: 20,
    })),
  };
  const threadsEnv = String(threads);
  // Some machines force OpenBLAS's kernel choice for old builds (OPENBLAS_CORETYPE=Haswell on an
  // AVX-512 CPU halves its GEMM here): PyTorch gets the kernels its OpenBLAS picks for this CPU.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = spawnSync(python, [SCRIPT], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...env,
      OMP_NUM_THREADS: threadsEnv,
      OPENBLAS_NUM_THREADS: threadsEnv,
      MKL_NUM_THREADS: threadsEnv,
    },
  });
  if (out.status !== 0)
    return { ok: false, reason: `pytorch_step.py failed: ${out.stderr.trim().split('\n').pop()}` };
  return { ok: true, run: JSON.parse(out.stdout) as TorchRun };
}
