/**
 * `npm run bench [-- --json FILE] [--only node,chromium,pytorch] [--shapes tiny,small,minilm,sample]
 *   [--backends cpu,wasm,webgpu] [--threads N] [--fp32-peak-tflops N]`
 *
 * Times the studio's own training step (Trainer: sample, tokenize, forward, MNRL, backward, clip,
 * AdamW) per model shape × backend × kernel route, in Node (cpu, wasm, and webgpu through Dawn)
 * and in a Chromium worker (webgpu, wasm), next to the same step in PyTorch on this CPU, and on
 * CUDA when this machine's torch has it. Shapes `minilm-32x128` and `bge-base` are the GPU
 * comparison's (batch 32 × 128 tokens); on wasm (Node and the Chromium worker) they add the
 * real-size rows instead, full fine-tuning with GradCache mini-batch 8 and LoRA rank 16, one first
 * step each, s/step and peak memory (`realSizeSpecs`: a bge-base step is minutes on a CPU, so
 * only when `--shapes` names them); `--fp32-peak-tflops` (the GPU's datasheet figure) adds
 * the share of it the matmuls reach. `stock` rows are tfjs's own op
 * chains (before), `attune` rows our kernels (after). The `sample` rows train the studio's sample
 * dataset with the Train page's defaults: the pairs/s a newcomer sees. Slow combinations are time-boxed or
 * skipped with the reason in the table; a full run stays under ~10 minutes on 2 cores.
 * `--threads N` (default: every core) runs both sides at N threads: PyTorch (torch.set_num_threads
 * and the BLAS's own variables, with `OPENBLAS_CORETYPE` unset), Node's wasm backend (tfjs's
 * threaded build, `src/cli/wasm-threads.ts`) and the Chromium worker's threaded wasm build. Each
 * side's plain matmul GFLOP/s and PyTorch's BLAS and core type head the table.
 */
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { directorySource } from '../src/cli/fs-source.ts';
import { adapterIsSoftware, installNodeWebGPU } from '../src/cli/node-webgpu.ts';
import { startWasm } from '../src/cli/wasm-threads.ts';
import { startBackend } from '../src/lib/env/start-backend.ts';
import type { KernelRoute } from '../src/lib/kernels/index.ts';
import { loadSentenceModel } from '../src/lib/model/folder.ts';
import type { BrowserBatch } from './browser.ts';
import { realSizeSpecs, runCase, type CaseResult, type CaseSpec, type Fixture } from './cases.ts';
import { matmulFigures } from './matmul.ts';
import { parseFixturePairs, SHAPES, type ShapeSpec } from './models.ts';
import { MATMUL_SHAPE, runPytorch } from './pytorch.ts';
import { loadSample, SAMPLE_CSV } from './sample.ts';
import { markdownTable, summary, type BenchReport } from './report.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const only = new Set((flag('only') ?? 'node,chromium,pytorch').split(','));
const shapeIds = new Set((flag('shapes') ?? 'tiny,small,minilm,sample').split(','));
const jsonPath = flag('json');
const backendIds = new Set((flag('backends') ?? 'cpu,wasm,webgpu').split(','));
const peakTflops = flag('fp32-peak-tflops');
const threads = Number(flag('threads') ?? os.availableParallelism());
if (!Number.isInteger(threads) || threads < 1) {
  console.error(`--threads expects a whole number of threads ≥ 1, got "${flag('threads')}"`);
  process.exit(2);
}

/** Timed steps and budget per shape: enough steps for a median on the fast routes, one on the slow. */
const PLAN: Record<ShapeSpec['id'], { warmup: number; steps: number; budgetMs: number }> = {
  tiny: { warmup: 3, steps: 20, budgetMs: 5_000 },
  small: { warmup: 1, steps: 5, budgetMs: 10_000 },
  minilm: { warmup: 1, steps: 5, budgetMs: 15_000 },
  'minilm-32x128': { warmup: 2, steps: 10, budgetMs: 20_000 },
  'bge-base': { warmup: 2, steps: 10, budgetMs: 30_000 },
  // Tens of seconds a step on a CPU: the instrumented step is the warm-up.
  sample: { warmup: 0, steps: 2, budgetMs: 60_000 },
};

/** Combinations measured once here and too slow for every run (DESIGN.md, "Environment facts"). */
const TOO_SLOW: Partial<Record<string, string>> = {
  'cpu/stock/small':
    '~92 s/step: the embedding gradient loops over all 30,522 vocabulary rows (UnsortedSegmentSum)',
  'cpu/stock/minilm': '~810 s/step, for the same reason',
};

/** On a software adapter (SwiftShader), what is too slow to run at all. */
const TOO_SLOW_ON_SOFTWARE_GPU: Partial<Record<string, string>> = {
  'webgpu/stock/minilm': 'SwiftShader runs WebGPU on the CPU: minutes per step',
  'webgpu/stock/sample': 'SwiftShader runs WebGPU on the CPU: minutes per step',
  'webgpu/attune/sample': 'SwiftShader runs WebGPU on the CPU: minutes per step',
};

/** Shapes sized for a GPU: on a CPU backend (or a software GPU) minutes per step. */
const GPU_SHAPES = new Set<ShapeSpec['id']>(['minilm-32x128', 'bge-base']);

/** The sample rows measure what the studio runs today; the before/after is in the shape rows. */
const routesOf = (shape: ShapeSpec): KernelRoute[] =>
  shape.id === 'sample' ? ['attune'] : ['stock', 'attune'];

function spec(shape: ShapeSpec, backend: string, route: KernelRoute, softwareGpu = true): CaseSpec {
  const plan = PLAN[shape.id];
  // Seconds per step: one timed step after one warm-up (SwiftShader too: the first step
  // compiles the shaders and makes AdamW's moments, so the instrumented step comes after it).
  const cpuMinilm = backend === 'cpu' && shape.id === 'minilm';
  const slowGpu = backend === 'webgpu' && softwareGpu && shape.id !== 'tiny';
  const key = `${backend}/${route}/${shape.id}`;
  const onCpu = backend !== 'webgpu' || softwareGpu;
  return {
    id: shape.id,
    shape,
    backend,
    route,
    warmup: slowGpu || cpuMinilm ? 1 : plan.warmup,
    steps: slowGpu || cpuMinilm ? 1 : plan.steps,
    budgetMs: plan.budgetMs,
    miniBatch: null,
    lora: null,
    skip:
      TOO_SLOW[key] ??
      (backend === 'webgpu' && softwareGpu ? TOO_SLOW_ON_SOFTWARE_GPU[key] : undefined) ??
      (onCpu && GPU_SHAPES.has(shape.id)
        ? `sized for a GPU: minutes per step here${backend === 'wasm' ? `; see its -gradcache and -lora rows` : ''}`
        : undefined),
  };
}

const shapes = Object.values(SHAPES).filter((s) => shapeIds.has(s.id));

function nodeSpecs(softwareGpu: boolean | null): CaseSpec[] {
  // First, so the wasm heap's high-water mark is these cases' own.
  const specs = backendIds.has('wasm') ? realSizeSpecs(shapeIds, 'wasm') : [];
  const backends = ['cpu', 'wasm', ...(softwareGpu === null ? [] : ['webgpu'])];
  for (const shape of shapes)
    for (const backend of backends.filter((b) => backendIds.has(b)))
      for (const route of routesOf(shape))
        specs.push(spec(shape, backend, route, softwareGpu ?? true));
  return specs;
}

/** Whether Dawn's adapter here is software (SwiftShader); null when WebGPU does not start in Node. */
async function nodeGpu(): Promise<boolean | null> {
  if (!backendIds.has('webgpu') || !(await installNodeWebGPU())) return null;
  return adapterIsSoftware();
}

/**
 * Of the `--backends` asked for: webgpu, then wasm on one thread (the studio's CSP), then wasm's threaded build on `threads`
 * threads (a CSP allowing it); then the real-size rows (bge-base, MiniLM at 32 × 128) on the
 * threaded build as in Node, each on a page of its own so that its wasm heap is its own.
 */
function chromiumBatches(): BrowserBatch[] {
  const wasm = backendIds.has('wasm');
  const single = shapes.flatMap((s) => [
    ...(backendIds.has('webgpu') ? routesOf(s).map((route) => spec(s, 'webgpu', route)) : []),
    ...(wasm ? [spec(s, 'wasm', 'attune')] : []),
  ]);
  if (!wasm) return [{ wasmThreads: 1, specs: single }];
  return [
    { wasmThreads: 1, specs: single },
    // The sample rows at every core too: the studio's epoch time before and after threads.
    { wasmThreads: threads, specs: shapes.map((s) => spec(s, 'wasm', 'attune')) },
    ...realSizeSpecs(shapeIds, 'wasm')
      .filter((s) => s.timeInstrumented)
      .map((s) => ({ wasmThreads: threads, specs: [s] })),
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
  const report: BenchReport = {
    machine: machine(loadAtStart),
    threads,
    matmul: [],
    pytorch: {},
    results: [],
  };

  if (only.has('node')) {
    // The threaded build is chosen when the wasm backend first starts: before any case.
    if (backendIds.has('wasm')) {
      const got = await startWasm(threads);
      if (got !== null) {
        report.nodeWasmThreads = got;
        for (const m of matmulFigures(MATMUL_SHAPE, got))
          report.matmul.push({ ...m, what: `Node ${m.what}` });
      }
    }
    const softwareGpu = await nodeGpu();
    for (const s of nodeSpecs(softwareGpu)) {
      const result = await runCase(s, fixture, 'Node', startBackend);
      progress(result);
      report.results.push(result);
    }
  }
  if (only.has('chromium')) {
    try {
      // Playwright and Vite load only for the Chromium side (a GPU server's kit has neither).
      const { runInChromium } = await import('./browser.ts');
      const run = await runInChromium(chromiumBatches(), progress);
      report.chromium = {
        version: run.chromium,
        adapter: run.adapter,
        wasmThreads: run.wasmThreads,
      };
      report.matmul.push(...run.matmul);
      report.results.push(...run.results);
    } catch (e) {
      report.chromium = { skipped: (e as Error).message.split('\n')[0] };
      console.log(`Chromium skipped: ${report.chromium.skipped}`);
    }
  }
  if (only.has('pytorch')) {
    // At the same thread count as our side: a user's PyTorch runs on every core.
    const cpuShapes = shapes.filter((s) => !GPU_SHAPES.has(s.id));
    const outcome = runPytorch(cpuShapes, fixture, threads);
    report.pytorch[String(threads)] = outcome;
    console.log(
      outcome.ok
        ? `PyTorch ${outcome.run.torch} ${threads} thread(s): ${outcome.run.results.map((r) => `${r.id} ${r.msPerStep.toFixed(1)} ms (CPU ${r.cpuMsPerStep.toFixed(1)}), ${r.opsPerStep} ops`).join('; ')}`
        : `PyTorch comparison skipped: ${outcome.reason}`,
    );
    // Eager fp32 (TF32 off) on the GPU, when this torch has CUDA: the GPU rows' comparison.
    const cuda = runPytorch(shapes, fixture, 1, 'cuda');
    if (cuda.ok) {
      report.pytorch.cuda = cuda;
      console.log(
        `PyTorch ${cuda.run.torch} CUDA (${cuda.run.device}): ${cuda.run.results.map((r) => `${r.id} ${r.msPerStep.toFixed(2)} ms`).join('; ')}`,
      );
    }
  }
  report.machine.load[1] = os.loadavg()[0];
  console.log(
    `\n${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, load ${report.machine.load.map((l) => l.toFixed(1)).join(' → ')}\n`,
  );
  if (peakTflops) report.fp32PeakTflops = Number(peakTflops);
  console.log(`${summary(report)}\n`);
  console.log(markdownTable(report));
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}

await main();
