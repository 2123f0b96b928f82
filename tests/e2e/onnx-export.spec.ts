import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import {
  dropAndImport,
  fillRunSettings,
  loadModelFromMirror,
  openStep,
  TINY_REPO,
} from '../support/studio-flows.ts';
import { cosine } from '../support/vectors.ts';

declare const encoder: import('comlink').Remote<
  import('../../src/workers/encoder.worker.ts').EncoderWorkerApi
>;
declare const transformersEmbed: (
  zip: number[],
  texts: string[],
  options: { dtype: 'fp32' | 'q8'; pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<number[][]>;
declare const unzipExport: (zip: number[]) => Map<string, Uint8Array>;

const STEPS = 4;
const TEXTS = ['How do I reset my password?', 'database query is slow', 'refund to my card'];

test('set prompts, train in the studio, export with ONNX, and transformers.js in a page gives the same embeddings', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await dropAndImport(page, 'tests/fixtures/tiny-bert.pairs.csv', 24);
  await loadModelFromMirror(page, TINY_REPO);

  // Prompts: the tiny model has none of its own; the person sets e5-style ones on the Model page.
  await expect(page.getByTestId('prompts-origin')).toHaveText('The model uses no prompts.');
  const prompts = page.getByRole('form', { name: 'Prompts' });
  await prompts.getByLabel('Query prompt').fill('query: ');
  await prompts.getByLabel('Document prompt').fill('passage: ');
  await prompts.getByRole('button', { name: 'Use these prompts' }).click();
  await expect(page.getByTestId('prompts-origin')).toHaveText('Your own prompts.');

  await openStep(page, 'Train');
  await fillRunSettings(page, { Steps: STEPS, 'Batch size': 8, 'Learning rate': 0.001 });
  await page.getByRole('combobox', { name: 'Compute on' }).selectOption('wasm');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Training finished.' })).toBeVisible({
    timeout: 240_000,
  });

  await openStep(page, 'Export');
  await page.getByRole('checkbox', { name: 'Also write ONNX (transformers.js)' }).check();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download .zip' }).click();
  const zip = new Uint8Array(readFileSync(await (await downloading).path()));
  const root = `tiny-bert-attune-step${STEPS}/`;
  const entries = unzipSync(zip);
  expect(Object.keys(entries)).toContain(`${root}onnx/model.onnx`);
  expect(Object.keys(entries)).toContain(`${root}onnx/model_quantized.onnx`);
  // The prompts the run trained with travel in the folder, where encode(prompt_name=…) finds them.
  const stConfig = JSON.parse(
    new TextDecoder().decode(entries[`${root}config_sentence_transformers.json`]),
  );
  expect(stConfig.prompts).toEqual({ query: 'query: ', document: 'passage: ' });

  // The same zip in a page: transformers.js on its ONNX, and the studio's encoder on its safetensors.
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'encoder' in globalThis && 'transformersEmbed' in globalThis);
  const { ours, fp32, q8 } = await page.evaluate(
    async ({ zip, texts }) => {
      const options = { pooling: 'mean', normalize: false } as const;
      const fp32 = await transformersEmbed(zip, texts, { ...options, dtype: 'fp32' });
      const q8 = await transformersEmbed(zip, texts, { ...options, dtype: 'q8' });
      await encoder.useBackend('wasm');
      await encoder.loadFromFiles('export', unzipExport(zip));
      const ours = (await encoder.embed(texts)).map((e) => Array.from(e));
      return { ours, fp32, q8 };
    },
    { zip: Array.from(zip), texts: TEXTS },
  );
  let diff = 0;
  fp32.forEach((row, i) =>
    row.forEach((v, d) => (diff = Math.max(diff, Math.abs(v - ours[i][d])))),
  );
  expect(diff).toBeLessThan(1e-4);
  for (let i = 0; i < TEXTS.length; i++) expect(cosine(q8[i], ours[i])).toBeGreaterThan(0.98);
});
