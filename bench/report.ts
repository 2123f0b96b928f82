import type { CaseResult } from './cases.ts';
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
  chromium?: { version: string; adapter: string; wasmThreads: number | null } | { skipped: string };
  pytorch: Record<string, TorchOutcome>;
  results: CaseResult[];
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Single-threaded PyTorch's figures for a shape id. */
function torchOf(report: BenchReport, id: string): TorchResult | null {
  const outcome = report.pytorch['1'];
  if (!outcome?.ok) return null;
  return outcome.run.results.find((r) => r.id === id) ?? null;
}

const ms = (x: number) => fmt(x, x < 100 ? 1 : 0);
const ratio = (x: number | null | undefined, y: number | null | undefined) =>
  x && y && Number.isFinite(x) && Number.isFinite(y) ? `${fmt(x / y, 2)}×` : '—';

/**
 * One row per measurement. Ratios to single-threaded PyTorch are given on CPU time (Node rows:
 * robust to other work on the machine) and on wall time (every row).
 */
export function markdownTable(report: BenchReport): string {
  const lines = [
    '| shape | where | backend | route | wall ms/step | CPU ms/step | pairs/s | kernels/step | peak MB | × PyTorch 1 thread (CPU) | × PyTorch 1 thread (wall) |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of report.results) {
    const head = `| ${r.id} | ${r.platform} | ${r.backend} | ${r.route}`;
    if (!r.figures) {
      const why = r.skipped ? `skipped: ${r.skipped}` : `fails: ${r.error}`;
      lines.push(`${head} | — | — | — | — | — | ${why} | |`);
      continue;
    }
    const f = r.figures;
    const timed = !Number.isNaN(f.msPerStep);
    const torch = torchOf(report, r.id);
    const peak = `${fmt(f.peakBytes / 2 ** 20)}${f.heapBytes ? ` (heap ${fmt(f.heapBytes / 2 ** 20)})` : ''}`;
    lines.push(
      [
        head,
        timed ? ms(f.msPerStep) : '— (1 profiled step)',
        f.cpuMsPerStep === null ? '—' : ms(f.cpuMsPerStep),
        timed ? fmt(f.pairsPerSecond, 1) : '—',
        fmt(f.kernelsPerStep),
        peak,
        ratio(f.cpuMsPerStep, torch?.cpuMsPerStep),
        timed ? ratio(f.msPerStep, torch?.msPerStep) : '—',
      ].join(' | ') + ' |',
    );
  }
  for (const [threads, outcome] of Object.entries(report.pytorch)) {
    if (!outcome.ok) {
      lines.push(
        `| all | PyTorch, ${threads} thread(s) | | | — | — | — | — | — | skipped: ${outcome.reason} | |`,
      );
      continue;
    }
    for (const t of outcome.run.results) {
      const one = torchOf(report, t.id);
      lines.push(
        `| ${t.id} | PyTorch ${outcome.run.torch}, ${threads} thread(s) | CPU | — | ${ms(t.msPerStep)} | ${ms(t.cpuMsPerStep)} | ${fmt(t.pairsPerSecond, 1)} | ${fmt(t.opsPerStep)} ATen ops | — | ${ratio(t.cpuMsPerStep, one?.cpuMsPerStep)} | ${ratio(t.msPerStep, one?.msPerStep)} |`,
      );
    }
  }
  return lines.join('\n');
}
