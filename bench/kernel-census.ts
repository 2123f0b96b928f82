/**
 * `npx tsx bench/kernel-census.ts [--backend webgpu] [--shapes tiny,small] [--route attune]
 *   [--threads N]`
 *
 * Which kernels one training step dispatches, by name, count and GPU time (timestamp queries,
 * where the adapter has them): our fused kernels next to the stock tfjs kernels still on the
 * path, so the next fusion to write is at the top of the stock list and the next kernel to
 * speed up at the top of ours.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { directorySource } from '../src/cli/fs-source.ts';
import { installNodeWebGPU } from '../src/cli/node-webgpu.ts';
import { startWasm } from '../src/cli/wasm-threads.ts';
import { startBackend } from '../src/lib/env/start-backend.ts';
import { setKernelRoute, type KernelRoute } from '../src/lib/kernels/index.ts';
import { kernelThreads } from '../src/lib/kernels/threads/pool.ts';
import { SentenceEncoder } from '../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../src/lib/model/folder.ts';
import { resolveTrainConfig } from '../src/lib/train/config.ts';
import { Trainer } from '../src/lib/train/trainer.ts';
import { workload } from './cases.ts';
import { parseFixturePairs, SHAPES, type ShapeSpec } from './models.ts';
import { loadSample } from './sample.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    shapes: { type: 'string', default: 'tiny' },
    route: { type: 'string', default: 'attune' },
    // wasm only: its threaded build, XNNPACK and our kernels on N threads.
    threads: { type: 'string', default: '1' },
  },
});

if (values.backend === 'webgpu' && !(await installNodeWebGPU((why) => console.error(why))))
  process.exit(1);
const started =
  values.backend === 'wasm'
    ? (await startWasm(Number(values.threads))) !== null
    : await startBackend(values.backend);
if (!started) {
  console.error(`the ${values.backend} backend does not start here`);
  process.exit(1);
}
setKernelRoute(values.route as KernelRoute);

const fixture = {
  model: await loadSentenceModel(directorySource('tests/fixtures/tiny-bert')),
  pairs: parseFixturePairs(readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8')),
  sample: loadSample(
    readFileSync('public/samples/fasteners.csv'),
    JSON.parse(readFileSync('tests/fixtures/tiny-bert/tokenizer.json', 'utf8')),
  ),
};

for (const id of values.shapes.split(',')) {
  const shape = SHAPES[id as ShapeSpec['id']];
  const { model, pairs } = workload(shape, fixture);
  const encoder = new SentenceEncoder(model);
  const trainer = new Trainer(
    encoder,
    pairs,
    resolveTrainConfig({ batchSize: shape.batch, steps: 1_000_000, miniBatch: null }),
  );
  // The first step compiles the shaders and allocates the moments; count the second.
  await trainer.trainStep();
  const profile = await tf.profile(async () => void (await trainer.trainStep()));
  const backend = tf.getBackend();
  const counts = new Map<string, { n: number; ms: number }>();
  for (const { name, kernelTimeMs } of profile.kernels) {
    if (!tf.getKernel(name, backend)) continue;
    const c = counts.get(name) ?? { n: 0, ms: 0 };
    counts.set(name, {
      n: c.n + 1,
      ms: c.ms + (typeof kernelTimeMs === 'number' ? kernelTimeMs : 0),
    });
  }
  const rows = [...counts].sort((a, b) => b[1].ms - a[1].ms || b[1].n - a[1].n);
  const sum = (list: typeof rows) => ({
    n: list.reduce((s, [, c]) => s + c.n, 0),
    ms: list.reduce((s, [, c]) => s + c.ms, 0),
  });
  const line = (list: typeof rows) =>
    `${sum(list).n} kernels, ${sum(list).ms.toFixed(1)} ms): ${list
      .map(([n, c]) => `${n} ${c.n} (${c.ms.toFixed(1)} ms)`)
      .join(', ')}`;
  console.log(
    `\n${shape.label} on ${backend} (${kernelThreads()} kernel thread(s)), route ${values.route}: ${sum(rows).n} kernels per step`,
  );
  console.log(`  ours (${line(rows.filter(([name]) => name.startsWith('Attune')))}`);
  console.log(`  stock (${line(rows.filter(([name]) => !name.startsWith('Attune')))}`);
  trainer.dispose();
  encoder.dispose();
  tf.disposeVariables();
}
process.exit(0);
