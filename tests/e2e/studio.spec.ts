import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropAndImport,
  expectTrainingFinished,
  expectWorkerReleased,
  fillRunSettings,
  loadModelFromMirror,
  openStep,
  stepCounter,
  storedRecords,
} from '../support/studio-flows.ts';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { embedWithCli } from '../support/cli.ts';
import { exportedFiles } from '../support/export-files.ts';

declare const encoder: import('comlink').Remote<
  import('../../src/workers/encoder.worker.ts').EncoderWorkerApi
>;

const REPO = 'sentence-transformers-testing/tiny-bert';
const CSV = 'tests/fixtures/tiny-bert.pairs.csv';
const STEPS = 20;

test.describe.configure({ mode: 'serial' });

test('drop pairs, pick a model, train with pause and a reload, export a folder the CLI loads', async ({
  page,
}) => {
  test.setTimeout(600_000);
  // Data: the fixture CSV dropped on the drop zone, with the detected mapping.
  await dropAndImport(page, CSV, 24);

  // Model: the tiny BERT from the local Hub mirror.
  await loadModelFromMirror(page, REPO);

  // Train: 20 steps of batch 8, checkpoints every 4, evaluation every 10.
  await openStep(page, 'Train');
  await expect(page.getByTestId('train-base-model')).toHaveText(REPO);
  await fillRunSettings(page, {
    Steps: STEPS,
    'Batch size': 8,
    'Learning rate': 0.001,
    Warmup: 0,
    'Checkpoint every': 4,
  });
  await page.getByRole('spinbutton', { name: 'Evaluate every' }).fill('10');
  // WebGPU by choice: on SwiftShader the probe would pick wasm, and this run is about WebGPU.
  await page.getByRole('combobox', { name: 'Compute on' }).selectOption('webgpu');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('definition').filter({ hasText: /^webgpu$/ })).toBeVisible({
    timeout: 120_000,
  });
  await expect.poll(() => stepCounter(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);

  // Pause holds the counter between steps; Resume moves it on.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible({ timeout: 60_000 });
  const held = await stepCounter(page);
  await expect(
    page.getByRole('status').filter({ hasText: `Paused after step ${held}.` }),
  ).toBeVisible();
  await page.waitForTimeout(3000);
  expect(await stepCounter(page)).toBe(held);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => stepCounter(page), { timeout: 60_000 }).toBeGreaterThan(held);

  // Reload mid-run, after the checkpoint at step 8: the run is interrupted, then resumed.
  await expect.poll(() => stepCounter(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(9);
  await page.reload();
  const resume = page.getByRole('button', { name: /^Resume / });
  await expect(resume).toBeVisible();
  await expect(page.getByRole('cell', { name: /interrupted at step/ })).toBeVisible();
  await resume.click();
  await expectTrainingFinished(page, STEPS);

  // One loss point per step, exactly the configured number of steps, and a falling smoothed loss.
  await expect(page.getByRole('figure', { name: 'Loss' })).toHaveAttribute(
    'data-points',
    String(STEPS),
  );
  const [run] = await storedRecords<{ name: string; status: string; history: number[][] }>(
    page,
    'runs',
  );
  expect(run.status).toBe('completed');
  expect(run.history.map((h) => h[0])).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
  const losses = run.history.map((h) => h[1]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
  // The worker released every tensor it made for the run.
  await expectWorkerReleased(page, 'training');
  // The runs history opens the run's stored curves.
  await page.getByRole('button', { name: `Open ${run.name}` }).click();
  await expect(page.getByRole('figure', { name: `Loss of ${run.name}` })).toHaveAttribute(
    'data-points',
    String(STEPS),
  );

  // Evaluate: base vs tuned on the eval split, with intervals, p-values and the per-query list.
  await openStep(page, 'Evaluate');
  await expect(page.getByRole('radio', { name: 'Base vs fine-tuned' })).toBeChecked();
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const metrics = page.getByRole('table', { name: 'Retrieval metrics' });
  await expect(metrics).toBeVisible({ timeout: 120_000 });
  const ndcg = metrics
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'nDCG@10', exact: true }) });
  // base [lo, hi] · tuned [lo, hi] · Δ [lo, hi] · p · p (Holm) · d_z · wins / ties / losses
  await expect(ndcg.getByRole('cell').nth(0)).toHaveText(/^\d\.\d+ \[\d\.\d+, \d\.\d+\]$/);
  await expect(ndcg.getByRole('cell').nth(1)).toHaveText(/^\d\.\d+ \[\d\.\d+, \d\.\d+\]$/);
  // p, then the Holm-adjusted p; the last cell counts the queries won, tied and lost.
  await expect(ndcg.getByRole('cell').nth(3)).toHaveText(/^(< 0\.001|[01]\.\d{3})$/);
  await expect(ndcg.getByRole('cell').nth(4)).toHaveText(/^(< 0\.001|[01]\.\d{3})$/);
  await expect(ndcg.getByRole('cell').last()).toHaveText(/^\d+ \/ \d+ \/ \d+$/);
  await expect(page.getByRole('table', { name: 'Per-query results' }).getByRole('row')).toHaveCount(
    3,
  );

  // Export: the zip holds the sentence-transformers folder.
  await openStep(page, 'Export');
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download .zip' }).click();
  const download = await downloading;
  const dir = mkdtempSync(join(tmpdir(), 'attune-export-'));
  const zipPath = join(dir, download.suggestedFilename());
  await download.saveAs(zipPath);
  const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const root = `tiny-bert-attune-step${STEPS}/`;
  expect(Object.keys(entries).sort()).toEqual(exportedFiles().map((f) => root + f));
  const json = (f: string) => JSON.parse(new TextDecoder().decode(entries[root + f]));
  expect(json('modules.json').map((m: { type: string }) => m.type)).toEqual([
    'sentence_transformers.models.Transformer',
    'sentence_transformers.models.Pooling',
  ]);
  expect(json('sentence_bert_config.json')).toEqual({ max_seq_length: 24, do_lower_case: false });
  expect(json('1_Pooling/config.json').pooling_mode_mean_tokens).toBe(true);
  expect(json('config.json')).toMatchObject({
    model_type: 'bert',
    hidden_size: 32,
    num_hidden_layers: 2,
  });
  const card = new TextDecoder().decode(entries[root + 'README.md']);
  expect(card).toContain(`fine-tuned from **${REPO} (revision main)**`);
  expect(card).toContain(`| steps | ${STEPS} |`);
  expect(card).toMatch(/\| ndcg@10 \| \d\.\d{4} \[\d\.\d{4}, \d\.\d{4}\] \| \d\.\d{4} \[/);

  // Take it further: the splits and a train.py for sentence-transformers.
  const scriptDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download data + train.py' }).click();
  const scriptZip = join(dir, 'script.zip');
  await (await scriptDownload).saveAs(scriptZip);
  const script = unzipSync(new Uint8Array(readFileSync(scriptZip)));
  const scriptRoot = 'tiny-bert.pairs-train-script/';
  expect(Object.keys(script).sort()).toEqual(
    ['eval.jsonl', 'train.jsonl', 'train.py'].map((f) => scriptRoot + f),
  );
  const lines = (f: string) =>
    new TextDecoder()
      .decode(script[scriptRoot + f])
      .trim()
      .split('\n');
  expect(lines('eval.jsonl')).toHaveLength(2);
  expect(lines('train.jsonl')).toHaveLength(22);
  const trainPy = new TextDecoder().decode(script[scriptRoot + 'train.py']);
  expect(trainPy).toContain('MultipleNegativesRankingLoss');
  expect(trainPy).toContain(REPO);

  // The CLI (Node, cpu) and the browser (WebGPU worker) embed the exported folder alike.
  const folder = join(dir, 'folder');
  for (const [path, bytes] of Object.entries(entries)) {
    const target = join(folder, path.slice(root.length));
    (await import('node:fs')).mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, bytes);
  }
  const texts = ['How do I reset my password?', 'database query is slow', 'refund to my card'];
  const cli = embedWithCli(folder, texts);
  expect(cli.run.status).toBe(0);
  const fromCli = cli.embeddings!;

  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'encoder' in globalThis);
  const files = Object.fromEntries(
    Object.entries(entries).map(([p, b]) => [p.slice(root.length), Array.from(b)]),
  );
  const fromBrowser = await page.evaluate(
    async ({ files, texts }) => {
      await encoder.useBackend('webgpu');
      const map = new Map(Object.entries(files).map(([p, b]) => [p, new Uint8Array(b)]));
      await encoder.loadFromFiles('export', map);
      return (await encoder.embed(texts)).map((e) => Array.from(e));
    },
    { files, texts },
  );
  let diff = 0;
  fromBrowser.forEach((row, i) =>
    row.forEach((v, d) => (diff = Math.max(diff, Math.abs(v - fromCli[i][d])))),
  );
  expect(diff).toBeLessThan(1e-4);
});
