import { expect, test } from '@playwright/test';

const PAGES = ['Data', 'Model', 'Train', 'Evaluate', 'Export'];

test('studio is cross-origin isolated and names the WebGPU adapter found in a worker', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/Attune/);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // SwiftShader is the adapter headless Chromium offers without a GPU; a real GPU names its vendor.
  await expect(page.getByTestId('compute-target')).toHaveText(/^WebGPU · \S+/);
  await expect(page.getByTestId('compute-target')).toHaveText(/swiftshader/i);
  await expect(page.getByRole('status')).toContainText('emulated in software');
  await expect(page.getByTestId('storage')).toContainText(/Storage .+ of .+/);
});

test('a probe measures the backends once, the header names the fastest, and a reload reuses it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  const header = page.getByTestId('training-backend');
  await expect(header).toHaveText(/^Trains on (webgpu|wasm|cpu) \(fastest measured\)$/, {
    timeout: 120_000,
  });
  const chosen = (await header.textContent())!.match(/^Trains on (\w+)/)![1];
  // The why: every backend's probe time (or its failure), the chosen one first.
  const title = (await header.getAttribute('title'))!;
  const reason = title.replace(/^Fastest here: /, '');
  expect(reason).toMatch(
    new RegExp(`^a probe training step took \\d+ ms on ${chosen} \\(\\d+ ms on (cpu|wasm)\\)`),
  );
  // SwiftShader emulates the GPU on the same CPU cores, far more slowly: not worth measuring.
  expect(reason).toMatch(
    /; webgpu: not measured, the adapter \(google \/ swiftshader\) is software$/,
  );
  const stored = await page.evaluate(() => localStorage.getItem('attune.backend-choice'));
  expect(JSON.parse(stored!).choice.reason).toBe(reason);

  // Measured once: the reloaded page shows the same measurement, not a new one.
  await page.reload();
  await expect(header).toHaveAttribute('title', title, { timeout: 10_000 });
  await expect(header).toHaveText(`Trains on ${chosen} (fastest measured)`);
});

test('every step is reachable from the navigation and by URL', async ({ page }) => {
  await page.goto('/');
  const nav = page.getByRole('navigation', { name: 'Steps' });
  for (const name of PAGES) {
    await nav.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`#/${name.toLowerCase()}$`));
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
  }
  await page.goto('/#/evaluate');
  await expect(page.getByRole('heading', { level: 1, name: 'Evaluate' })).toBeVisible();
});

test('walking through every page makes no request to another origin', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.origin !== origin) foreign.push(request.url());
  });
  await page.goto('/');
  await expect(page.getByTestId('compute-target')).toHaveText(/WebGPU|CPU/);
  for (const name of PAGES) {
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  }
  await page.waitForLoadState('networkidle');
  expect(foreign).toEqual([]);
});
