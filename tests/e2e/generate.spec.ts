import { readFileSync } from 'node:fs';
import {
  expectTrainingFinished,
  fillRunSettings,
  loadModelFromMirror,
} from '../support/studio-flows.ts';
import { expect, test, type Locator } from '@playwright/test';

const CORPUS = 'tests/fixtures/generate/corpus.csv';
const EXAMPLES = 'tests/fixtures/generate/examples.txt';
const EMBEDDER = 'sentence-transformers-testing/tiny-bert';
const GENERATOR = 'attune-testing/tiny-causal-lm';
const DOCUMENTS = 6;
const PER_DOC = 4;
const STEPS = 2;

const file = (path: string) => ({
  name: path.split('/').at(-1) as string,
  mimeType: 'text/plain',
  buffer: readFileSync(path),
});

const number = async (locator: Locator) => Number(await locator.textContent());

test('generate queries for a corpus from five examples, filter, accept, and train on them', async ({
  page,
}) => {
  test.setTimeout(600_000);

  // The embedding model that filters, from the local Hub mirror, as the studio loads it.
  await loadModelFromMirror(page, EMBEDDER);

  // Reached from the Data page, next to the click-log link.
  await page.goto('/#/data');
  await page.getByRole('link', { name: 'Generate queries grounded in a few real ones' }).click();
  await expect(page.getByRole('heading', { name: 'Generate', level: 1 })).toBeVisible();

  await page.getByLabel('Corpus file').setInputFiles(file(CORPUS));
  await expect(page.getByTestId('corpus-summary')).toHaveText(
    `corpus.csv: ${DOCUMENTS} documents.`,
  );
  await page.getByLabel('Example queries file').setInputFiles(file(EXAMPLES));
  await expect(page.getByTestId('examples-count')).toHaveText('5 example queries.');

  // The fixture model writes noise, sampled at the default temperature so queries differ.
  await page.getByLabel('Generator model id').fill(GENERATOR);
  await page.getByRole('spinbutton', { name: 'Queries per document' }).fill(String(PER_DOC));
  await page.getByRole('spinbutton', { name: 'Max new tokens' }).fill('24');
  await page.getByRole('button', { name: 'Generate queries' }).click();
  const progress = page.getByTestId('generate-progress');
  await expect(progress).toContainText(
    `${DOCUMENTS} / ${DOCUMENTS} documents · ${DOCUMENTS * PER_DOC} queries · finished`,
    { timeout: 300_000 },
  );

  // Stored as they came: a reload brings the job back from IndexedDB.
  await page.reload();
  await expect(progress).toHaveText(
    `${DOCUMENTS} / ${DOCUMENTS} documents · ${DOCUMENTS * PER_DOC} queries · finished`,
  );

  await page.getByRole('button', { name: 'Run filters' }).click();
  const table = page.getByRole('table', { name: 'Generated queries' });
  await expect(table.getByRole('row')).toHaveCount(DOCUMENTS * PER_DOC + 1, { timeout: 120_000 });
  const generated = await number(page.getByTestId('count-generated'));
  const duplicate = await number(page.getByTestId('count-duplicate'));
  const near = await number(page.getByTestId('count-near-duplicate'));
  const inconsistent = await number(page.getByTestId('count-inconsistent'));
  const kept = await number(page.getByTestId('count-kept'));
  expect(generated).toBe(DOCUMENTS * PER_DOC);
  expect(duplicate + near + inconsistent + kept).toBe(generated);
  // Each count is what the table says, row by row.
  const cells = table.getByRole('row').getByRole('cell');
  await expect(
    table.getByRole('row').filter({ has: page.getByText('kept', { exact: true }) }),
  ).toHaveCount(kept);
  await expect(
    table.getByRole('row').filter({ has: page.getByText('duplicate', { exact: true }) }),
  ).toHaveCount(duplicate);
  await expect(cells.filter({ hasText: /^document not in top 3$/ })).toHaveCount(inconsistent);
  // Kept queries start accepted, the others rejected; enough remain for a batch after the split.
  expect(kept).toBeGreaterThan(3);
  await expect(table.getByRole('checkbox', { checked: true })).toHaveCount(kept);

  await page.getByRole('button', { name: `Create dataset (${kept} accepted)` }).click();
  await expect(page.getByTestId('generated-dataset')).toContainText(
    `Saved “corpus (generated)”: ${kept} pairs.`,
  );

  // Trains like any other dataset.
  await page.getByRole('link', { name: 'Train', exact: true }).first().click();
  const dataset = page
    .getByRole('form', { name: 'New training run' })
    .getByRole('combobox', { name: 'Dataset', exact: true });
  await expect(dataset.locator('option:checked')).toHaveText(`corpus (generated) (${kept} pairs)`);
  await fillRunSettings(page, { Steps: STEPS, 'Batch size': 2, Warmup: 0 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expectTrainingFinished(page, STEPS);
  // GPL-style: the Train page opens on the generated set with MarginMSE, which needs negatives first.
  // Back without a reload (the page is linked from the Data page): the saved dataset is still shown.
  await page.evaluate(() => (location.hash = '#/generate'));
  await page.getByRole('link', { name: 'Train it GPL-style: MarginMSE with a reranker' }).click();
  await expect(page.getByRole('combobox', { name: 'Loss' })).toHaveValue('margin-mse');
  await expect(dataset.locator('option:checked')).toHaveText(`corpus (generated) (${kept} pairs)`);
  await expect(
    page.getByRole('combobox', { name: 'Dataset to mine' }).locator('option:checked'),
  ).toHaveText(`corpus (generated) (${kept} pairs)`);
  const needsNegatives =
    'MarginMSE learns from (query, positive, negative) rows and “corpus (generated)” has no negatives: mine hard negatives for it below';
  await expect(page.getByRole('note')).toContainText(needsNegatives);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByRole('alert')).toContainText(needsNegatives);
});
