import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, type Page } from '@playwright/test';
import type { TrainingPair } from '../../src/lib/data/pairs.ts';
import type { DatasetChunk, DatasetRecord } from '../../src/lib/store/schema.ts';

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

/** Points the studio at the local Hub mirror (Model page settings); returns the mirror's address. */
export async function useHubMirror(page: Page): Promise<string> {
  await page.goto('/#/model');
  const mirror = `${new URL(page.url()).origin}/hub-mirror`;
  await page.getByText('Settings', { exact: true }).click();
  await page.getByLabel('Hub address').fill(mirror);
  await page.getByRole('button', { name: 'Save' }).click();
  return mirror;
}

/** Points the studio at the local Hub mirror and loads `repo` from it. */
export async function loadModelFromMirror(page: Page, repo = TINY_REPO): Promise<string> {
  const mirror = await useHubMirror(page);
  await page.getByLabel('Hub model id').fill(repo);
  await page.getByRole('button', { name: 'Load from the Hub' }).click();
  await expect(page.getByRole('heading', { name: `Base model: ${repo}` })).toBeVisible();
  return mirror;
}

/** Fills training settings of the run form, each by its exact label in train/config-fields.ts ('Steps', 'Batch size', …). */
export async function fillRunSettings(page: Page, settings: Record<string, number>): Promise<void> {
  for (const [name, value] of Object.entries(settings))
    await page.getByRole('spinbutton', { name, exact: true }).fill(String(value));
}

/** The step counter "k / n": k. */
export async function stepCounter(page: Page): Promise<number> {
  const text = (await page.getByTestId('step-counter').textContent()) ?? '';
  return Number(text.split('/')[0]);
}

/** Waits for the run on the Train page to reach its last step, `steps`, and say it finished. */
export async function expectTrainingFinished(
  page: Page,
  steps: number,
  timeout = 300_000,
): Promise<void> {
  await expect(page.getByTestId('step-counter')).toHaveText(`${steps} / ${steps}`, { timeout });
  await expect(page.getByRole('status').filter({ hasText: 'Training finished.' })).toBeVisible();
}

/** Every record of `store` in the studio's IndexedDB database, read straight from IndexedDB. */
export function storedRecords<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(
    (name) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open('attune');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
      }),
    store,
  );
}

/** A dataset record as stored, with the pairs of all its chunks in order. */
export interface StoredDataset {
  dataset: DatasetRecord;
  pairs: TrainingPair[];
}

/** Every dataset with the pairs of its chunks, oldest first, read straight from IndexedDB. */
export function storedDatasets(page: Page): Promise<StoredDataset[]> {
  return page.evaluate(
    () =>
      new Promise<StoredDataset[]>((resolve, reject) => {
        const open = indexedDB.open('attune');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['datasets', 'datasetChunks']);
          const datasets = tx.objectStore('datasets').getAll();
          const chunks = tx.objectStore('datasetChunks').getAll();
          tx.oncomplete = () =>
            resolve(
              (datasets.result as DatasetRecord[])
                .map((dataset) => ({
                  dataset,
                  pairs: (chunks.result as DatasetChunk[])
                    .filter((c) => c.datasetId === dataset.id)
                    .flatMap((c) => c.pairs),
                }))
                .sort((a, b) => a.dataset.created - b.dataset.created),
            );
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
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
