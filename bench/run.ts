/**
 * `npm run bench [-- --json FILE] [--only node,chromium,pytorch] [--shapes tiny,small,minilm,sample]`
 *
 * Times the studio's own training step (Trainer: sample, tokenize, forward, MNRL, backward, clip,
 * AdamW) per model shape × backend × kernel route, in Node (cpu, wasm) and in a Chromium worker
 * (webgpu, wasm), next to the same step in PyTorch on this CPU. `stock` rows are tfjs's own op
 * chains (before), `attune` rows our kernels (after). The `sample` rows train the studio's sample
 * dataset with the Train page's defaults: the pairs/s a newcomer sees. Slow combinations are time-boxed or
 * skipped with the reason in the table; a full run stays under ~10 minutes on 2 cores.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { directorySource } from '../src/cli/fs-source.ts';
import { startBackend } from '../src/lib/env/start-backend.ts';
import type { KernelRoute } from '../src/lib/kernels/index.ts';
import { loadSentenceModel } from '../src/lib/model/folder.ts';
import { runInChromium, type BrowserBatch } from './browser.ts';
import {
  MINILM_LARGE_BATCH,
  runCase,
  type CaseResult,
  type CaseSpec,
  type Fixture,
} from './cases.ts';
import { parseFixturePairs, SHAPES, type ShapeSpec } from './models.ts';
import { runPytorch } from './pytorch.ts';
import { loadSample, SAMPLE_CSV } from './sample.ts';
import { markdownTable, type BenchReport } from './report.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const only = new Set((flag('only') ?? 'node,chromium,pytorch').split(','));
const shapeIds = new Set((flag('shapes') ?? 'tiny,small,minilm,sample').split(','));
const jsonPath = flag('json');

/** Timed steps and budget per shape: enough steps for a median on the fast routes, one on the slow. */
const PLAN: Record<ShapeSpec['id'], { warmup: number; steps: number; budgetMs: number }> = {
  tiny: { warmup: 3, steps: 20, budgetMs: 5_000 },
  small: { warmup: 1, steps: 5, budgetMs: 10_000 },
  minilm: { warmup: 1, steps: 5, budgetMs: 15_000 },
  // Tens of seconds a step on a CPU: the instrumented step is the warm-up.
  sample: { warmup: 0, steps: 2, budgetMs: 60_000 },
};

/** Combinations measured once here and too slow for every run (DESIGN.md, "Environment facts"). */
const TOO_SLOW: Partial<Record<string, string>> = {
  'cpu/stock/small':
    '~92 s/step: the embedding gradient loops over all 30,522 vocabulary rows (UnsortedSegmentSum)',
  'cpu/stock/minilm': '~810 s/step, for the same reason',
  'webgpu/stock/minilm': 'SwiftShader runs WebGPU on the CPU: minutes per step',
  'webgpu/attune/minilm': 'SwiftShader runs WebGPU on the CPU: minutes per step',
  'webgpu/stock/sample': 'SwiftShader runs WebGPU on the CPU: minutes per step',
};

/** The sample rows measure what the studio runs today; the before/after is in the shape rows. */
const routesOf = (shape: ShapeSpec): KernelRoute[] =>
  shape.id === 'sample' ? ['attune'] : ['stock', 'attune'];

function spec(shape: ShapeSpec, backend: string, route: KernelRoute): CaseSpec {
  const plan = PLAN[shape.id];
  // Seconds per step: one timed step after one warm-up (SwiftShader: the instrumented step,
  // which compiles the shaders, is the warm-up).
  const cpuMinilm = backend === 'cpu' && shape.id === 'minilm';
  const softwareGpu = backend === 'webgpu' && shape.id !== 'tiny';
  return {
    id: shape.id,
    shape,
    backend,
    route,
    warmup: softwareGpu ? 0 : cpuMinilm ? 1 : plan.warmup,
    steps: softwareGpu || cpuMinilm ? 1 : plan.steps,
    budgetMs: plan.budgetMs,
    miniBatch: null,
    skip: TOO_SLOW[`${backend}/${route}/${shape.id}`],
  };
}

const shapes = Object.values(SHAPES).filter((s) => shapeIds.has(s.id));

function nodeSpecs(): CaseSpec[] {
  const specs: CaseSpec[] = [];
  // First, so the wasm heap's high-water mark is this case's own.
  if (shapeIds.has('minilm'))
    specs.push({
      id: 'minilm-32x128-gradcache',
      shape: MINILM_LARGE_BATCH,
      backend: 'wasm',
      route: 'attune',
      warmup: 0,
      steps: 0,
      budgetMs: 0,
      miniBatch: 8,
    });
  for (const shape of shapes)
    for (const backend of ['cpu', 'wasm'])
      for (const route of routesOf(shape)) specs.push(spec(shape, backend, route));
  return specs;
}

/** webgpu, then wasm on one thread (the studio's CSP), then wasm with threads (a CSP allowing them). */
function chromiumBatches(): BrowserBatch[] {
  // No attune kernel is registered for webgpu: both routes are tfjs's own, so it runs once.
  const single = shapes.flatMap((s) => [spec(s, 'webgpu', 'stock'), spec(s, 'wasm', 'attune')]);
  return [
    { wasmThreads: false, specs: single },
    {
      wasmThreads: true,
      specs: shapes.filter((s) => s.id !== 'sample').map((s) => spec(s, 'wasm', 'attune')),
    },
  ];
}

function machine(loadAtStart: number): BenchReport['machine'] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    load: [loadAtStart, os.loadavg()[0]],
  };
}

function progress(r: CaseResult): void {
  const what = `${r.platform} ${r.backend}/${r.route} ${r.id}`.padEnd(52);
  if (r.figures) {
    const f = r.figures;
    console.log(
      `${what} ${f.msPerStep.toFixed(1).padStart(10)} ms/step  ${String(f.kernelsPerStep).padStart(5)} kernels  ${(f.peakBytes / 2 ** 20).toFixed(0).padStart(5)} MB peak`,
    );
  } else console.log(`${what} ${r.skipped ? `skipped: ${r.skipped}` : `fails: ${r.error}`}`);
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0];
  const model = await loadSentenceModel(directorySource('tests/fixtures/tiny-bert'));
  const pairs = parseFixturePairs(readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8'));
  const sample = loadSample(
    readFileSync(SAMPLE_CSV),
    JSON.parse(readFileSync('tests/fixtures/tiny-bert/tokenizer.json', 'utf8')),
  );
  const fixture: Fixture = { model, pairs, sample };
  const report: BenchReport = { machine: machine(loadAtStart), pytorch: {}, results: [] };

  if (only.has('node')) {
    for (const s of nodeSpecs()) {
      const result = await runCase(s, fixture, 'Node', startBackend);
      progress(result);
      report.results.push(result);
    }
  }
  if (only.has('chromium')) {
    try {
      const run = await runInChromium(chromiumBatches(), progress);
      report.chromium = {
        version: run.chromium,
        adapter: run.adapter,
        wasmThreads: run.wasmThreads,
      };
      report.results.push(...run.results);
    } catch (e) {
      report.chromium = { skipped: (e as Error).message.split('\n')[0] };
      console.log(`Chromium skipped: ${report.chromium.skipped}`);
    }
  }
  if (only.has('pytorch')) {
    // Single-threaded, as the issue's reference (the bench's 2 cores make threads a lottery).
    const outcome = runPytorch(shapes, fixture, 1);
    report.pytorch['1'] = outcome;
    console.log(
      outcome.ok
        ? `PyTorch ${outcome.run.torch} 1 thread: ${outcome.run.results.map((r) => `${r.id} ${r.msPerStep.toFixed(1)} ms (CPU ${r.cpuMsPerStep.toFixed(1)}), ${r.opsPerStep} ops`).join('; ')}`
        : `PyTorch comparison skipped: ${outcome.reason}`,
    );
  }
  report.machine.load[1] = os.loadavg()[0];
  console.log(
    `\n${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, load ${report.machine.load.map((l) => l.toFixed(1)).join(' → ')}\n`,
  );
  console.log(markdownTable(report));
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}

await main();
