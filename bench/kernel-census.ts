/**
 * `npx tsx bench/kernel-census.ts [--backend webgpu] [--shapes tiny,small] [--route attune]`
 *
 * Which kernels one training step dispatches, by name and count (the bench's `dispatches`
 * figure, broken down): our fused kernels next to the stock tfjs kernels still on the path, so
 * the next fusion to write is the one at the top of the stock list.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { directorySource } from '../src/cli/fs-source.ts';
import { installNodeWebGPU } from '../src/cli/node-webgpu.ts';
import { startBackend } from '../src/lib/env/start-backend.ts';
import { setKernelRoute, type KernelRoute } from '../src/lib/kernels/index.ts';
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
  },
});

if (values.backend === 'webgpu' && !(await installNodeWebGPU((why) => console.error(why))))
  process.exit(1);
if (!(await startBackend(values.backend))) {
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
  const counts = new Map<string, number>();
  for (const { name } of profile.kernels)
    if (tf.getKernel(name, backend)) counts.set(name, (counts.get(name) ?? 0) + 1);
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = rows.reduce((s, [, n]) => s + n, 0);
  const ours = rows.filter(([name]) => name.startsWith('Attune'));
  const stock = rows.filter(([name]) => !name.startsWith('Attune'));
  const sum = (list: [string, number][]) => list.reduce((s, [, n]) => s + n, 0);
  console.log(`\n${shape.label} on ${backend}, route ${values.route}: ${total} kernels per step`);
  console.log(`  ours (${sum(ours)}): ${ours.map(([n, c]) => `${n} ${c}`).join(', ')}`);
  console.log(`  stock (${sum(stock)}): ${stock.map(([n, c]) => `${n} ${c}`).join(', ')}`);
  trainer.dispose();
  encoder.dispose();
  tf.disposeVariables();
}
process.exit(0);
