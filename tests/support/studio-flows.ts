import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, type Page } from '@playwright/test';

/** The tiny BERT of the fixtures, as the local Hub mirror serves it. */
export const TINY_REPO = 'sentence-transformers-testing/tiny-bert';

/** Drops a file on the Data page's drop zone, as a person drags one in, and imports it with the detected mapping. */
export async function dropAndImport(page: Page, path: string, expectPairs: number): Promise<void> {
  await page.goto('/#/data');
  const dataTransfer = await page.evaluateHandle(
    ({ text, name }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], name, { type: 'text/csv' }));
      return transfer;
    },
    { text: readFileSync(path, 'utf8'), name: basename(path) },
  );
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText(new RegExp(`${expectPairs} pairs`)).first()).toBeVisible();
}

/** Points the studio at the local Hub mirror (Model page settings) and loads `repo` from it. */
export async function loadModelFromMirror(page: Page, repo = TINY_REPO): Promise<string> {
  await page.goto('/#/model');
  const mirror = `${new URL(page.url()).origin}/hub-mirror`;
  await page.getByText('Settings', { exact: true }).click();
  await page.getByLabel('Hub address').fill(mirror);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByLabel('Hub model id').fill(repo);
  await page.getByRole('button', { name: 'Load from the Hub' }).click();
  await expect(page.getByRole('heading', { name: `Base model: ${repo}` })).toBeVisible();
  return mirror;
}

/** Follows the step navigation like a person. */
export async function openStep(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('link', { name }).click();
}

/** The backend the header says the start-up probe picked (what 'Automatic' computes on). */
export async function measuredBackend(page: Page): Promise<string> {
  const header = page.getByTestId('training-backend');
  await expect(header).toHaveText(/^Trains on \w+ \(fastest measured\)$/, { timeout: 120_000 });
  return (await header.textContent())!.match(/^Trains on (\w+)/)![1];
}

/**
 * Waits until the worker behind `probe` holds no tensor after its run: the state's count, read
 * through the probes the e2e build exposes (src/lib/state/test-probes.ts), never shown on a page.
 */
export async function expectWorkerReleased(
  page: Page,
  probe: 'evaluation' | 'bakeoff' | 'mining' | 'training',
): Promise<void> {
  await expect
    .poll(() => page.evaluate((name) => globalThis.attuneProbes?.[name]?.() ?? null, probe), {
      timeout: 30_000,
    })
    .toBe(0);
}
