import { expect, test, type Page } from '@playwright/test';
import type { RunRecord } from '../../src/lib/store/schema.ts';
import {
  dropAndImport,
  expectTrainingFinished,
  fillRunSettings,
  loadModelFromMirror,
  openStep,
  storedRecords,
} from '../support/studio-flows.ts';

const CSV = 'tests/fixtures/tiny-bert.pairs.csv';
const STEPS = 4;

/**
 * Trains the tiny BERT for `STEPS` steps on wasm from the Train page; returns the threads the
 * training worker's wasm backend reported (XNNPACK's `getThreadsCount`) and the run's losses.
 */
async function trainOnWasm(page: Page): Promise<{ threads: number; losses: number[] }> {
  await openStep(page, 'Train');
  await fillRunSettings(page, { Steps: STEPS, 'Batch size': 8, Warmup: 0 });
  await page.getByRole('combobox', { name: 'Compute on' }).selectOption('wasm');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('definition').filter({ hasText: /^wasm$/ })).toBeVisible({
    timeout: 120_000,
  });
  const threads = Number(await page.getByTestId('run-threads').textContent());
  await expectTrainingFinished(page, STEPS);
  const runs = await storedRecords<RunRecord>(page, 'runs');
  const run = runs.sort((a, b) => b.created - a.created)[0];
  return { threads, losses: run.history.map(([, loss]) => loss) };
}

test('without a GPU the workers train on every core, and the header sets how many', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // Every core the browser reports (tfjs gives XNNPACK at most 8).
  const cores = await page.evaluate(() => Math.min(navigator.hardwareConcurrency, 8));
  expect(cores, 'this test needs a machine with two cores or more').toBeGreaterThanOrEqual(2);
  const header = page.getByTestId('wasm-threads');
  await expect(header).toHaveText(`wasm · ${cores} threads`);
  await expect(page.getByTestId('training-backend')).toHaveText(/fastest measured/, {
    timeout: 120_000,
  });
  const measured = await page.evaluate(() => localStorage.getItem('attune.backend-choice'));
  expect(JSON.parse(measured!).key).toMatch(new RegExp(`\\|wasm-threads=${cores}$`));

  // A short run on wasm: the worker's XNNPACK runs on every core and the losses are numbers.
  await dropAndImport(page, CSV, 24);
  await loadModelFromMirror(page);
  const threaded = await trainOnWasm(page);
  expect(threaded.threads).toBe(cores);
  expect(threaded.losses).toHaveLength(STEPS);
  for (const loss of threaded.losses) expect(Number.isFinite(loss) && loss > 0).toBe(true);

  // One thread, set like a person: open the header's popover, pick 1, reload to apply.
  await header.click();
  const select = page.getByRole('combobox', { name: 'WebAssembly threads' });
  await expect(select).toHaveValue(String(cores));
  await select.focus();
  await select.selectOption('1');
  await expect(page.getByRole('status').filter({ hasText: 'applies after a reload' })).toHaveText(
    new RegExp(`The workers run on ${cores}; 1 applies after a reload`),
  );
  await page.getByRole('button', { name: 'Reload to apply' }).click();
  await expect(header).toHaveText('wasm · 1 thread');
  expect(await page.evaluate(() => localStorage.getItem('attune.wasm-threads'))).toBe('1');
  // The start-up probe ranked the backends with wasm on every core; on one thread it measures again.
  await expect(page.getByTestId('training-backend')).toHaveText(/fastest measured/, {
    timeout: 120_000,
  });
  const probed = await page.evaluate(() => localStorage.getItem('attune.backend-choice'));
  expect(JSON.parse(probed!).key).toMatch(/\|wasm-threads=1$/);

  // The next backend start uses one thread; the run trains just as well.
  await loadModelFromMirror(page);
  const single = await trainOnWasm(page);
  expect(single.threads).toBe(1);
  expect(single.losses).toHaveLength(STEPS);
  for (const loss of single.losses) expect(Number.isFinite(loss) && loss > 0).toBe(true);
  // Same data, same seed, same steps: one thread or several, the losses agree to float noise.
  for (const [i, loss] of single.losses.entries())
    expect(Math.abs(loss - threaded.losses[i])).toBeLessThan(1e-4);
});

declare const encoder: import('comlink').Remote<
  import('../../src/workers/encoder.worker.ts').EncoderWorkerApi
>;

test('where a stricter policy forbids blob: scripts, wasm starts on one thread instead of waiting', async ({
  browser,
}) => {
  // The preview server's headers isolate the page; no service worker to serve the worker's script.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  // A host's policy without blob: in script-src: the pthread workers' importScripts fails.
  let strict = '';
  await page.route('**/assets/encoder.worker-*.js', async (route) => {
    const response = await route.fetch();
    const headers = response.headers();
    strict = headers['content-security-policy'].replace(/(script-src [^;]*) blob:/, '$1');
    await route.fulfill({ response, headers: { ...headers, 'content-security-policy': strict } });
  });
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'encoder' in globalThis);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => encoder.useBackend('wasm'))).toBe('wasm');
  expect(strict).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(await page.evaluate(() => encoder.wasmThreads())).toBe(1);
  await context.close();
});
