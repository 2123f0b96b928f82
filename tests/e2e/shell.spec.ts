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
