import type { CaseResult } from './cases.ts';
import type { MatmulFigure } from './matmul.ts';
import { SHAPES, stepMatmulFlops, type ShapeSpec } from './models.ts';
import type { TorchOutcome, TorchResult } from './pytorch.ts';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** 1-minute load average when the run started and ended: other work on the machine slows every figure. */
  load: [number, number];
}

export interface BenchReport {
  machine: Machine;
  /** `--threads`: the thread count both sides ran at (PyTorch's, Node wasm's, the Chromium worker's threaded build's). */
  threads: number;
  /** The threads Node's wasm computes on: XNNPACK's and the kernel pool's (tfjs may give fewer than asked). */
  nodeWasmThreads?: number;
  /** Our side's plain matmul GFLOP/s (PyTorch's is in its run). */
  matmul: MatmulFigure[];
  chromium?: { version: string; adapter: string; wasmThreads: number | null } | { skipped: string };
  /** Keyed by thread count (`"2"`) for the CPU run, `"cuda"` for the GPU run. */
  pytorch: Record<string, TorchOutcome>;
  results: CaseResult[];
  /** The GPU's fp32 peak from its datasheet (`--fp32-peak-tflops`), for the share the matmuls reach. */
  fp32PeakTflops?: number;
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** PyTorch's figures for a shape id: on the CPU at the report's thread count, or CUDA. */
function torchOf(
  report: BenchReport,
  id: string,
  run = String(report.threads),
): TorchResult | null {
  const outcome = report.pytorch[run];
  if (!outcome?.ok) return null;
  return outcome.run.results.find((r) => r.id === id) ?? null;
}

const ms = (x: number) => fmt(x, x < 100 ? 1 : 0);
const ratio = (x: number | null | undefined, y: number | null | undefined) =>
  x && y && Number.isFinite(x) && Number.isFinite(y) ? `${fmt(x / y, 2)}×` : '—';

/** Matmul GFLOP/s of a step of `ms`, and its share of the GPU's fp32 peak when known. */
function gflops(report: BenchReport, shapeId: string, columns: number, ms: number): string {
  const shape = (SHAPES as Record<string, ShapeSpec>)[shapeId];
  if (!shape || shape.id === 'sample' || shape.id === 'tiny' || !Number.isFinite(ms)) return '—';
  const rate = stepMatmulFlops(shape, columns) / (ms / 1000) / 1e9;
  const peak = report.fp32PeakTflops;
  // A software adapter reaches well under 1 GFLOP/s: keep two significant digits there.
  return `${rate < 10 ? rate.toPrecision(2) : fmt(rate)}${peak ? ` (${fmt((100 * rate) / (peak * 1000), 1)}% of peak)` : ''}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What each side computed with: PyTorch's BLAS, the OpenBLAS kernel it ran (and whether
 * `OPENBLAS_CORETYPE` forced it), the thread counts, and a plain matmul's GFLOP/s on each side.
 */
export function summary(report: BenchReport): string {
  const lines = [`Threads: ${report.threads} on each side (--threads).`];
  const cpu = report.pytorch[String(report.threads)];
  if (cpu?.ok) {
    const r = cpu.run;
    lines.push(
      `PyTorch ${r.torch}, ${plural(r.threads, 'thread')}: BLAS ${r.blas} (${r.blasConfig}), OpenBLAS core ${r.openblasCore ?? '— (not OpenBLAS)'}, OPENBLAS_CORETYPE ${r.coretypeEnv ?? 'unset'}.`,
      `PyTorch matmul ${r.matmul.shape.join('×')}: ${fmt(r.matmul.gflops, 1)} GFLOP/s.`,
    );
  }
  if (report.nodeWasmThreads !== undefined)
    lines.push(
      `Node wasm: XNNPACK and our kernel pool on ${plural(report.nodeWasmThreads, 'thread')}.`,
    );
  for (const m of report.matmul) {
    const torch = cpu?.ok ? ` (${fmt(m.gflops / cpu.run.matmul.gflops, 2)}× PyTorch's)` : '';
    lines.push(`${m.what} matmul ${m.shape.join('×')}: ${fmt(m.gflops, 1)} GFLOP/s${torch}.`);
  }
  return lines.join('\n');
}

/**
 * One row per measurement. Ratios to PyTorch at the same thread count are given on CPU time (Node
 * rows) and on wall time (every row); webgpu rows also against PyTorch on CUDA when that ran.
 * With threads on both sides the wall time is the one to read: CPU time adds up every thread's.
 * Synthetic shapes train two columns (anchor, positive).
 */
export function markdownTable(report: BenchReport): string {
  const cuda = report.pytorch.cuda?.ok;
  const vs = `× PyTorch ${plural(report.threads, 'thread')}`;
  const lines = [
    `| shape | where | backend | route | wall ms/step | CPU ms/step | pairs/s | kernels/step (GPU dispatches) | matmul GFLOP/s | peak MB | weights + AdamW MB | ${vs} (CPU) | ${vs} (wall) |${cuda ? ' × PyTorch CUDA (wall) |' : ''}`,
    `| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${cuda ? ' ---: |' : ''}`,
  ];
  for (const r of report.results) {
    const head = `| ${r.id} | ${r.platform} | ${r.backend} | ${r.route}`;
    if (!r.figures) {
      const why = r.skipped ? `skipped: ${r.skipped}` : `fails: ${r.error}`;
      lines.push(`${head} | — | — | — | — | — | — | — | ${why} | |${cuda ? ' |' : ''}`);
      continue;
    }
    const f = r.figures;
    const timed = !Number.isNaN(f.msPerStep);
    const torch = torchOf(report, r.id);
    const mb = (bytes: number) => fmt(bytes / 2 ** 20);
    const notes = [
      ...(f.heapBytes ? [`heap ${mb(f.heapBytes)}`] : []),
      ...(r.miniBatch || r.lora ? [`plan ${mb(f.planBytes)}`] : []),
      ...(f.recompute ? ['checkpointing'] : []),
    ];
    const peak = `${mb(f.peakBytes)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
    const row = [
      head,
      !timed
        ? '— (1 profiled step)'
        : f.firstStep
          ? `${ms(f.msPerStep)} (1st step)`
          : ms(f.msPerStep),
      f.cpuMsPerStep === null ? '—' : ms(f.cpuMsPerStep),
      timed ? fmt(f.pairsPerSecond, 1) : '—',
      `${fmt(f.kernelsPerStep)}${f.gpuDispatches === null ? '' : ` (${fmt(f.gpuDispatches)})`}`,
      r.backend === 'webgpu' ? gflops(report, r.id, 2, f.msPerStep) : '—',
      peak,
      mb(f.residentBytes),
      ratio(f.cpuMsPerStep, torch?.cpuMsPerStep),
      timed ? ratio(f.msPerStep, torch?.msPerStep) : '—',
    ];
    if (cuda)
      row.push(
        r.backend === 'webgpu' && timed
          ? ratio(f.msPerStep, torchOf(report, r.id, 'cuda')?.msPerStep)
          : '—',
      );
    lines.push(row.join(' | ') + ' |');
  }
  for (const [threads, outcome] of Object.entries(report.pytorch)) {
    if (!outcome.ok) {
      lines.push(
        `| all | PyTorch, ${threads} thread(s) | | | — | — | — | — | — | — | — | skipped: ${outcome.reason} | |${cuda ? ' |' : ''}`,
      );
      continue;
    }
    for (const t of outcome.run.results) {
      const same = torchOf(report, t.id);
      const where =
        threads === 'cuda'
          ? `PyTorch ${outcome.run.torch}, CUDA eager fp32 (${outcome.run.device})`
          : `PyTorch ${outcome.run.torch}, ${threads} thread(s)`;
      const rate = threads === 'cuda' ? gflops(report, t.id, 2, t.msPerStep) : '—';
      lines.push(
        `| ${t.id} | ${where} | ${threads === 'cuda' ? 'CUDA' : 'CPU'} | — | ${ms(t.msPerStep)} | ${ms(t.cpuMsPerStep)} | ${fmt(t.pairsPerSecond, 1)} | ${fmt(t.opsPerStep)} ATen ops | ${rate} | — | — | ${ratio(t.cpuMsPerStep, same?.cpuMsPerStep)} | ${ratio(t.msPerStep, same?.msPerStep)} |${cuda ? ' — |' : ''}`,
      );
    }
  }
  return lines.join('\n');
}
