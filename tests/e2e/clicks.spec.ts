import { readFileSync } from 'node:fs';
import {
  expectTrainingFinished,
  fillRunSettings,
  loadModelFromMirror,
  openStep,
  storedRecords,
} from '../support/studio-flows.ts';
import { expect, test, type Page } from '@playwright/test';
import Papa from 'papaparse';

const LOG = 'tests/fixtures/clicks/log.csv';
const DOCS = 'tests/fixtures/clicks/docs.csv';
const REPO = 'sentence-transformers-testing/tiny-bert';
const STEPS = 4;

/** The fixture's rows, read with Papa Parse directly (not through the studio's reader). */
const rows = Papa.parse<Record<string, string>>(readFileSync(LOG, 'utf8'), {
  header: true,
  skipEmptyLines: true,
}).data;
const clicks = rows.filter((r) => r.clicked === '1');
/** Clicks that a dwell threshold of `seconds` drops. */
const shortClicks = (seconds: number) =>
  clicks.filter((r) => Number(r.dwell_ms) < seconds * 1000).length;
const share = (part: number) => `${((100 * part) / clicks.length).toFixed(1)}%`;

interface StoredPair {
  query: string;
  positive: string;
  negatives: string[];
  weight?: number;
}

/** Every stored pair of the only dataset, read straight from IndexedDB. */
const storedPairs = async (page: Page) =>
  (await storedRecords<{ pairs: StoredPair[] }>(page, 'datasetChunks')).flatMap((c) => c.pairs);

const file = (path: string) => ({
  name: path.split('/').at(-1) as string,
  mimeType: 'text/csv',
  buffer: readFileSync(path),
});

test('import a click log, tune the dwell rule, save weighted pairs and train on them', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/#/clicks');
  await expect(page.getByRole('heading', { name: 'Clicks', level: 1 })).toBeVisible();
  // Reachable by URL, not one of the numbered steps.
  await expect(page.getByRole('navigation', { name: 'Steps' }).getByRole('link')).toHaveCount(5);

  // The log: columns detected from the header, then read whole in the worker.
  await page.getByLabel('Click log file').setInputFiles(file(LOG));
  await expect(page.getByRole('combobox', { name: 'Role of column dwell_ms' })).toHaveValue(
    'dwell',
  );
  await expect(page.getByRole('combobox', { name: 'Role of column doc_id' })).toHaveValue('docId');
  await page.getByRole('button', { name: 'Load click log' }).click();
  await expect(page.getByTestId('log-summary')).toHaveText(
    `log.csv: ${rows.length} rows read, ${rows.length} accepted, 0 rejected.`,
  );
  // Ids only: until the document table is there, no click has text.
  await expect(page.getByTestId('rule-text')).toHaveText(
    `keeps 0 clicks · drops ${clicks.length} (100.0%) whose document has no text`,
  );

  await page.getByLabel('Document table file').setInputFiles(file(DOCS));
  await page.getByRole('button', { name: 'Load documents' }).click();
  await expect(page.getByTestId('documents-summary')).toHaveText('docs.csv: 36 documents.');
  await expect(page.getByTestId('rule-text')).toHaveText(
    `keeps ${clicks.length} clicks · drops 0 (0.0%) whose document has no text`,
  );

  // The dwell rule at its default, 30 s, then at 10 s: the counts follow.
  const dwell = page.getByTestId('rule-dwell');
  const at30 = shortClicks(30);
  await expect(dwell).toHaveText(
    `keeps ${clicks.length - at30} clicks · drops ${at30} (${share(at30)})`,
  );
  await page.getByRole('spinbutton', { name: 'Minimum dwell' }).fill('10');
  const at10 = shortClicks(10);
  expect(at10).toBeLessThan(at30);
  await expect(dwell).toHaveText(
    `keeps ${clicks.length - at10} clicks · drops ${at10} (${share(at10)})`,
  );
  await expect(
    page.getByRole('figure', { name: 'Clicks by position, before and after weighting' }),
  ).toHaveAttribute('data-positions', '5');

  // Save: weighted pairs with one skipped-above negative each.
  await page.getByRole('button', { name: 'Create training dataset' }).click();
  const saved = page.getByTestId('click-dataset');
  await expect(saved).toContainText('Saved “log (clicks)”');
  const pairs = await storedPairs(page);
  await expect(saved).toContainText(`${pairs.length} pairs`);
  expect(pairs.length).toBeGreaterThan(8);
  for (const p of pairs) {
    expect(p.negatives).toHaveLength(1);
    expect(p.weight).toBeGreaterThan(0);
  }
  // Debiased: weights differ from pair to pair.
  expect(new Set(pairs.map((p) => p.weight)).size).toBeGreaterThan(1);

  // The tiny BERT from the local Hub mirror, as the studio flow loads it.
  await loadModelFromMirror(page, REPO);

  // Train a few steps on the click pairs, like any other dataset.
  await openStep(page, 'Train');
  // The new dataset is the one picked.
  const dataset = page
    .getByRole('form', { name: 'New training run' })
    .getByRole('combobox', { name: 'Dataset', exact: true });
  await expect(dataset.locator('option:checked')).toHaveText(
    `log (clicks) (${pairs.length} pairs)`,
  );
  await fillRunSettings(page, { Steps: STEPS, 'Batch size': 4, 'Learning rate': 0.001, Warmup: 0 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expectTrainingFinished(page, STEPS);
  await expect(page.getByRole('figure', { name: 'Loss' })).toHaveAttribute(
    'data-points',
    String(STEPS),
  );
});
