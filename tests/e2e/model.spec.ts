import { cpSync, mkdtempSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { exportedFiles } from '../support/export-files.ts';

declare const encoder: import('comlink').Remote<
  import('../../src/workers/encoder.worker.ts').EncoderWorkerApi
>;

const REPO = 'sentence-transformers-testing/tiny-bert';
const FIXTURE = 'tests/fixtures/hub/sentence-transformers-testing/tiny-bert';
/** Bytes of every file of the fixture repo: what a first load downloads. */
const REPO_BYTES = (readdirSync(FIXTURE, { recursive: true }) as string[])
  .map((f) => statSync(join(FIXTURE, f)))
  .filter((s) => s.isFile())
  .reduce((sum, s) => sum + s.size, 0);
/**
 * The tiny BERT's parameters, from its config.json (vocab 280, 64 positions, 2 token types,
 * H 32, I 64, 2 layers):
 *   embeddings 280·32 + 64·32 + 2·32 + LayerNorm 2·32                         = 11,136
 *   per layer  4·(32·32 + 32) + (32·64 + 64) + (64·32 + 32) + 2·(2·32) = 8,544 (× 2 = 17,088)
 *   pooler     32·32 + 32                                                     =  1,056
 */
const TINY_PARAMETERS = '29,280';
const TEXTS = ['How do I reset my password?', 'database query is slow', 'login token expired'];

/** Points the studio at the mirror through the settings, as a person would. */
async function useMirror(page: Page): Promise<string> {
  await page.goto('/#/model');
  const mirror = `${new URL(page.url()).origin}/hub-mirror`;
  await page.getByText('Settings', { exact: true }).click();
  await page.getByLabel('Hub address').fill(mirror);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(`Models now come from ${mirror}.`)).toBeVisible();
  return mirror;
}

/** Paths under /hub-mirror requested from now on, by the page or its workers. */
function mirrorRequests(page: Page): string[] {
  const seen: string[] = [];
  page.context().on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/hub-mirror/')) seen.push(path.slice('/hub-mirror/'.length));
  });
  return seen;
}

async function loadFromHubForm(page: Page, repo: string): Promise<void> {
  await page.getByLabel('Hub model id').fill(repo);
  await page.getByRole('button', { name: 'Load from the Hub' }).click();
}

const baseModelRows = (page: Page) => page.getByRole('table', { name: 'Base models' });

test('a Hub model downloads with per-file progress, then loads from Cache Storage after a reload', async ({
  page,
}) => {
  const mirror = await useMirror(page);
  const requests = mirrorRequests(page);
  await loadFromHubForm(page, REPO);

  await expect(page.getByRole('heading', { name: `Base model: ${REPO}` })).toBeVisible();
  const files = page.getByRole('table', { name: 'Model files' });
  await expect(files.getByRole('row', { name: /model\.safetensors/ })).toContainText('downloaded');
  const progress = page.getByRole('progressbar', { name: 'Download progress' });
  await expect(progress).toHaveAttribute('value', String(REPO_BYTES));
  await expect(progress).toHaveAttribute('max', String(REPO_BYTES));
  const details = page.getByRole('definition');
  await expect(page.getByTestId('model-parameters')).toHaveText(TINY_PARAMETERS);
  await expect(details).toHaveText([TINY_PARAMETERS, '32', '2', '4', '24', 'mean', 'no']);
  await expect(page.getByTestId('memory-estimate')).toContainText('per training step at 32 pairs');
  expect(requests[0]).toBe(`${REPO}/resolve/main/config.json`);
  expect(requests).toContain(`${REPO}/resolve/main/model.safetensors`);

  await page.reload();
  // The mirror and the choice outlive the reload (localStorage); the files are in Cache Storage.
  await expect(page.getByRole('heading', { name: `Base model: ${REPO}` })).toBeVisible();
  await page.getByText('Settings', { exact: true }).click();
  await expect(page.getByLabel('Hub address')).toHaveValue(mirror);
  const cached = await page.evaluate(async () =>
    (await (await caches.open('transformers-cache')).keys()).map((r) => r.url),
  );
  expect(cached).toContain(`${mirror}/${REPO}/resolve/main/model.safetensors`);

  requests.length = 0;
  await loadFromHubForm(page, REPO);
  await expect(files.getByRole('row', { name: /model\.safetensors/ })).toContainText('from cache');
  await expect(page.getByRole('heading', { name: `Base model: ${REPO}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Load from the Hub' })).toBeEnabled();
  expect(requests).toEqual([]);
});

test('Cancel stops a download in progress; loading again finishes it', async ({ page }) => {
  await useMirror(page);
  // Hold the weights back until the test lets them go, so there is a download to cancel.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.context().route('**/hub-mirror/**/model.safetensors', async (route) => {
    await held;
    await route.continue().catch(() => {});
  });
  await loadFromHubForm(page, REPO);
  const files = page.getByRole('table', { name: 'Model files' });
  await expect(files.getByRole('row', { name: /config\.json/ }).first()).toContainText(
    'downloaded',
  );
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(
    page.getByRole('status').filter({
      hasText: `Download of ${REPO} cancelled. Loading it again resumes where it stopped.`,
    }),
  ).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Base model:/ })).toHaveCount(0);

  release();
  await page.context().unrouteAll({ behavior: 'ignoreErrors' });
  await loadFromHubForm(page, REPO);
  await expect(page.getByRole('heading', { name: `Base model: ${REPO}` })).toBeVisible();
  await expect(files.getByRole('row', { name: /model\.safetensors/ })).toContainText('downloaded');
});

test('an unsupported architecture is refused from config.json, before any weights are fetched', async ({
  page,
}) => {
  await useMirror(page);
  const requests = mirrorRequests(page);
  await loadFromHubForm(page, 'attune-testing/xlmr-config');

  const alert = page.getByRole('alert');
  await expect(alert).toContainText('This model’s architecture is not supported');
  await expect(alert).toContainText("model_type 'xlm-roberta' is not supported");
  expect(requests).toEqual(['attune-testing/xlmr-config/resolve/main/config.json']);
  await expect(page.getByRole('heading', { name: /^Base model:/ })).toHaveCount(0);
});

test('a chosen folder is checked, stored and listed with its parameter count; delete asks first', async ({
  page,
}) => {
  await page.goto('/#/model');
  await page.getByLabel('Choose a folder').setInputFiles('tests/fixtures/tiny-bert');

  const row = baseModelRows(page).getByRole('row', { name: /tiny-bert local/ });
  await expect(row).toContainText(TINY_PARAMETERS);
  await expect(page.getByRole('heading', { name: 'Base model: tiny-bert' })).toBeVisible();

  await page.reload();
  await expect(row).toContainText(TINY_PARAMETERS);
  await row.getByRole('button', { name: 'Delete tiny-bert' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete tiny-bert?' });
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();

  await row.getByRole('button', { name: 'Delete tiny-bert' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByRole('heading', { name: /^Base model:/ })).toHaveCount(0);
});

test('a folder with a truncated weights file is refused, naming the file', async ({ page }) => {
  const folder = join(mkdtempSync(join(tmpdir(), 'attune-e2e-')), 'broken-bert');
  cpSync('tests/fixtures/tiny-bert', folder, { recursive: true });
  const weights = join(folder, 'model.safetensors');
  truncateSync(weights, Math.floor(statSync(weights).size / 2));

  await page.goto('/#/model');
  await page.getByLabel('Choose a folder').setInputFiles(folder);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The model folder cannot be used');
  await expect(alert).toContainText('broken-bert/model.safetensors: tensor');
  await expect(alert).toContainText('(truncated file or lying header)');
  await expect(baseModelRows(page).getByRole('row', { name: /local/ })).toHaveCount(0);
});

test('an exported zip re-imports as a local model that embeds exactly as the original', async ({
  page,
}) => {
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'encoder' in globalThis);
  const { zip, original } = await page.evaluate(async (texts) => {
    await encoder.useBackend('cpu');
    await encoder.loadFromHub({
      host: `${location.origin}/hub-mirror`,
      repo: 'sentence-transformers-testing/tiny-bert',
      revision: 'main',
    });
    const blob = await encoder.exportZip({ root: 'tiny-bert-tuned' });
    return {
      zip: Array.from(new Uint8Array(await blob.arrayBuffer())),
      original: (await encoder.embed(texts)).map((e) => Array.from(e)),
    };
  }, TEXTS);

  const bytes = Buffer.from(zip);
  expect(Object.keys(unzipSync(bytes)).sort()).toEqual(
    exportedFiles({ readme: false }).map((f) => `tiny-bert-tuned/${f}`),
  );

  await page.goto('/#/model');
  await page
    .getByLabel('Choose a .zip')
    .setInputFiles({ name: 'export.zip', mimeType: 'application/zip', buffer: bytes });
  const row = baseModelRows(page).getByRole('row', { name: /tiny-bert-tuned local/ });
  await expect(row).toContainText(TINY_PARAMETERS);
  await expect(page.getByRole('heading', { name: 'Base model: tiny-bert-tuned' })).toBeVisible();

  // The stored record, loaded into the real encoder worker, embeds exactly as the original did.
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'encoder' in globalThis);
  const reimported = await page.evaluate(async (texts) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('attune');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const records = await new Promise<{ name: string; files: Record<string, Uint8Array> }[]>(
      (resolve, reject) => {
        const get = db.transaction('models').objectStore('models').getAll();
        get.onsuccess = () => resolve(get.result);
        get.onerror = () => reject(get.error);
      },
    );
    await encoder.useBackend('cpu');
    const [record] = records;
    await encoder.loadFromFiles(record.name, new Map(Object.entries(record.files)));
    return {
      names: records.map((r) => r.name),
      files: Object.keys(record.files).sort(),
      embeddings: (await encoder.embed(texts)).map((e) => Array.from(e)),
    };
  }, TEXTS);
  expect(reimported.names).toEqual(['tiny-bert-tuned']);
  // All the export wrote but the model card; config_sentence_transformers.json stays: it holds the prompts.
  expect(reimported.files).toEqual(exportedFiles({ readme: false }));
  expect(reimported.embeddings).toEqual(original);
});
