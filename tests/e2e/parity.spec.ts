import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

interface Reference {
  first_batch: {
    embeddings: Record<'query' | 'positive' | 'negative', number[][]>;
    loss: number;
    grad_norms: Record<string, number | null>;
  };
}
const reference: Reference = JSON.parse(
  readFileSync('tests/fixtures/tiny-bert.reference.json', 'utf8'),
);
const rows = readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8')
  .trim()
  .split('\n')
  .slice(1, 9)
  .map((l) => l.split(','));
const columns = [0, 1, 2].map((c) => rows.map((r) => r[c]));

declare const encoder: import('comlink').Remote<
  import('../../src/workers/encoder.worker.ts').EncoderWorkerApi
>;

/**
 * SwiftShader runs float32 WebGPU shaders whose exp/erf/sqrt differ from the CPU's in the last
 * bits, and reductions run in another order; 1e-4 absolute on embeddings of magnitude ~1 and
 * 1e-3 relative on gradient norms is three orders above that noise and far below any semantic
 * slip (a wrong GELU is 3e-4 on embeddings, wrong weight decay 1e-2 on norms).
 */
const EMBEDDING_TOLERANCE = 1e-4;
const GRAD_NORM_RELATIVE_TOLERANCE = 1e-3;

test('the encoder worker on WebGPU matches sentence-transformers: embeddings, loss, gradients', async ({
  page,
}) => {
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'encoder' in globalThis);
  const backend = await page.evaluate(() => encoder.useBackend('webgpu'));
  expect(backend).toBe('webgpu');
  const summary = await page.evaluate(() =>
    encoder.loadFromHub({
      host: `${location.origin}/hub-mirror`,
      repo: 'sentence-transformers-testing/tiny-bert',
      revision: 'main',
    }),
  );
  expect(summary).toMatchObject({ hiddenSize: 32, layers: 2, maxSeqLength: 24, pooling: 'mean' });

  for (const [i, col] of (['query', 'positive', 'negative'] as const).entries()) {
    const got = await page.evaluate(
      async (texts) => (await encoder.embed(texts)).map((e) => Array.from(e)),
      columns[i],
    );
    const want = reference.first_batch.embeddings[col];
    let diff = 0;
    got.forEach((row, r) =>
      row.forEach((v, d) => (diff = Math.max(diff, Math.abs(v - want[r][d])))),
    );
    expect(diff, col).toBeLessThan(EMBEDDING_TOLERANCE);
  }

  const probe = await page.evaluate((cols) => encoder.probeTrainingStep(cols, 20), columns);
  expect(Math.abs(probe.loss - reference.first_batch.loss)).toBeLessThan(EMBEDDING_TOLERANCE);
  for (const [name, want] of Object.entries(reference.first_batch.grad_norms)) {
    if (want === null) continue;
    const got = probe.gradNorms[name];
    if (name.endsWith('attention.self.key.bias')) expect(got, name).toBeLessThan(1e-5);
    else expect(Math.abs(got - want) / want, name).toBeLessThan(GRAD_NORM_RELATIVE_TOLERANCE);
  }
  const memory = await page.evaluate(() => encoder.memory());
  expect(memory.backend).toBe('webgpu');
});
