import {
  dropAndImport,
  expectWorkerReleased,
  loadModelFromMirror,
  measuredBackend,
  openStep,
  storedDatasets,
} from '../support/studio-flows.ts';
import { expect, test } from '@playwright/test';

const REPO = 'sentence-transformers-testing/tiny-bert';
const CSV = 'tests/fixtures/tiny-bert.pairs.csv';
const NAME = 'tiny-bert.pairs';

test('mine hard negatives, reject one, save a new version and train on it', async ({ page }) => {
  test.setTimeout(600_000);
  // Data: the fixture CSV dropped on the drop zone, with the detected mapping.
  await dropAndImport(page, CSV, 24);

  // Model: the tiny BERT from the local Hub mirror.
  await loadModelFromMirror(page, REPO);

  await openStep(page, 'Train');
  const panel = page.getByRole('region', { name: 'Hard negatives' });
  await expect(panel.getByRole('combobox', { name: 'Dataset to mine' })).toHaveValue(/.+/);
  await expect(panel.getByRole('combobox', { name: 'Mining model' })).toHaveValue('base');
  await expect(panel.getByRole('option', { name: `Base model: ${REPO}` })).toBeAttached();
  await expect(panel.getByRole('spinbutton', { name: 'Negatives per query' })).toHaveValue('3');
  await expect(panel.getByRole('spinbutton', { name: 'Relative margin' })).toHaveValue('0.05');

  // Cancel: an extra corpus of 4,000 lines keeps the worker embedding long enough to stop it.
  const extra = Array.from({ length: 4000 }, (_, i) => `extra document number ${i} about nothing`);
  await panel.getByLabel(/Extra corpus/).setInputFiles({
    name: 'extra.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(extra.join('\n')),
  });
  await panel.getByRole('button', { name: 'Mine', exact: true }).click();
  await expect(panel.getByTestId('mine-progress')).toContainText('embedding the corpus', {
    timeout: 120_000,
  });
  await panel.getByRole('button', { name: 'Cancel mining' }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'Mining was cancelled' })).toBeVisible({
    timeout: 120_000,
  });
  await expectWorkerReleased(page, 'mining');

  // Mine without the extra corpus and without the relative margin (on this random tiny model
  // most candidates lie within 5% of the positive): every training query gets 3 negatives.
  await panel.getByLabel(/Extra corpus/).setInputFiles([]);
  await panel.getByRole('spinbutton', { name: 'Relative margin' }).fill('');
  await panel.getByRole('button', { name: 'Mine', exact: true }).click();
  const review = panel.getByRole('table', { name: 'Mined negatives' });
  await expect(review).toBeVisible({ timeout: 120_000 });
  await expectWorkerReleased(page, 'mining');
  // 24 queries, 2 held out for evaluation: 22 mined, each looking at its top 5 (rangeMax =
  // 3 negatives + 1 positive, and room for the positive itself).
  await expect(panel.getByTestId('mine-summary')).toHaveText(
    '22 queries, 110 candidates looked at. Every query got 3 negatives.',
  );
  const skipped = panel.getByRole('table', { name: 'Skipped candidates' });
  await expect(
    skipped
      .getByRole('row', { name: /the query’s own positive/ })
      .getByRole('cell')
      .first(),
  ).toHaveText(/^\d+$/);
  await expect(panel.getByRole('table', { name: 'Mining score distribution' })).toBeVisible();

  // Reject the first query's first negative: it stays listed, struck out, and another takes its place.
  const first = review.getByRole('rowgroup').nth(1);
  const boxes = first.getByRole('checkbox');
  await expect(boxes).toHaveCount(3);
  const label = (await boxes.first().getAttribute('aria-label')) ?? '';
  const [, rejectedText, query] = /^Reject “(.*)” for “(.*)”$/s.exec(label) ?? [];
  expect(rejectedText).toBeTruthy();
  await boxes.first().focus();
  await page.keyboard.press('Space');
  await expect(first.getByRole('checkbox', { name: label })).toBeChecked();
  await expect(first.getByRole('checkbox')).toHaveCount(4);
  await expect(first.getByRole('checkbox', { checked: false })).toHaveCount(3);
  await expect(
    skipped
      .getByRole('row', { name: /rejected in review/ })
      .getByRole('cell')
      .first(),
  ).toHaveText('1');

  await panel.getByRole('button', { name: 'Save as a new version' }).click();
  await expect(panel.getByTestId('mine-saved')).toHaveText(
    `Saved “${NAME} (mined v2)” with 24 pairs. The original dataset is unchanged.`,
  );

  // The new version next to the original, in the store and on the Data page.
  const stored = await storedDatasets(page);
  const original = stored.find((d) => d.dataset.name === NAME)!;
  const mined = stored.find((d) => d.dataset.name === `${NAME} (mined v2)`)!;
  expect(original.pairs).toHaveLength(24);
  expect(mined.dataset).toMatchObject({
    version: 2,
    parentId: original.dataset.id,
    columns: { negatives: ['negative_1', 'negative_2', 'negative_3'] },
    counts: { pairs: 24 },
    evalQueries: original.dataset.evalQueries,
  });
  const held = new Set(original.dataset.evalQueries);
  expect(held.size).toBe(2);
  for (const [i, pair] of mined.pairs.entries()) {
    expect(pair.query).toBe(original.pairs[i].query);
    expect(pair.positive).toBe(original.pairs[i].positive);
    if (held.has(pair.query)) expect(pair.negatives).toEqual(original.pairs[i].negatives);
    else {
      expect(pair.negatives).toHaveLength(3);
      expect(pair.negatives).not.toContain(pair.positive);
    }
  }
  const rejectedRow = mined.pairs.find((p) => p.query === query)!;
  expect(rejectedRow.negatives).not.toContain(rejectedText);

  await openStep(page, 'Data');
  const list = page.getByRole('table', { name: 'Datasets' });
  await expect(list.getByRole('button', { name: `${NAME} (mined v2)`, exact: true })).toBeVisible();
  await expect(list.getByRole('button', { name: NAME, exact: true })).toBeVisible();

  // Train a few steps on the mined version.
  await openStep(page, 'Train');
  await page
    .getByRole('combobox', { name: 'Dataset', exact: true })
    .selectOption({ label: `${NAME} (mined v2) (24 pairs)` });
  await page.getByRole('spinbutton', { name: 'Steps', exact: true }).fill('3');
  await page.getByRole('spinbutton', { name: 'Batch size' }).fill('4');
  await page.getByRole('spinbutton', { name: 'Evaluate every' }).fill('0');
  // "Compute on" left at Automatic: the run trains where the header's probe said.
  await expect(page.getByRole('combobox', { name: 'Compute on' })).toHaveValue('auto');
  const backend = await measuredBackend(page);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('step-counter')).toHaveText('3 / 3', { timeout: 300_000 });
  await expect(
    page.getByRole('definition').filter({ hasText: new RegExp(`^${backend}$`) }),
  ).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Training finished.' })).toBeVisible();
  const runs = page.getByRole('region', { name: 'Runs' });
  await expect(
    runs.getByRole('cell', { name: new RegExp(`^${REPO} on ${NAME} \\(mined v2\\)`) }),
  ).toBeVisible();

  // The run's fine-tuned checkpoint mines too.
  await panel
    .getByRole('combobox', { name: 'Mining model' })
    .selectOption({ label: `Fine-tuned: ${REPO} on ${NAME} (mined v2) (step 3)` });
  await panel.getByRole('button', { name: 'Mine', exact: true }).click();
  await expect(panel.getByTestId('mine-summary')).toHaveText(
    '22 queries, 110 candidates looked at. Every query got 3 negatives.',
    { timeout: 120_000 },
  );
  await expect(review.getByRole('checkbox', { checked: true })).toHaveCount(0);
  await expectWorkerReleased(page, 'mining');
});
