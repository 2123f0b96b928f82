import { expect, test, type Page } from '@playwright/test';
import {
  dropAndImport,
  expectWorkerReleased,
  loadModelFromMirror,
  openStep,
  storedDatasets,
  storedRecords,
  type StoredDataset,
} from '../support/studio-flows.ts';

const CSV = 'tests/fixtures/tiny-bert.pairs.csv';
const NAME = 'tiny-bert.pairs';
const RERANKER = 'tiny-cross-encoder';

interface StoredRun {
  config: { loss: string };
  reranker?: { kind: string; name: string };
  history: number[][];
  status: string;
}

/** Per query of the review's first page: the positive's cross-encoder score and the kept negatives'. */
function keptScores(page: Page) {
  return page.getByRole('table', { name: 'Mined negatives' }).evaluate((table) =>
    [...table.querySelectorAll('tbody')].map((body) => ({
      positive: Number(/cross (-?[\d.]+)/.exec(body.querySelector('td')!.textContent!)![1]),
      kept: [...body.querySelectorAll('tr')]
        .filter((row) => row.querySelector('.outcome')?.textContent?.trim() === 'kept')
        .map((row) => Number(row.querySelector('[data-testid="cross-score"]')!.textContent)),
    })),
  );
}

/** The negatives of every row, by query, of a stored dataset. */
const negativesByQuery = (d: StoredDataset) =>
  Object.fromEntries(d.pairs.map((p) => [p.query, p.negatives.join(' | ')]));

test('a reranker denoises mined negatives, the review shows both scores, and MarginMSE trains on its labels', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await dropAndImport(page, CSV, 24);
  await loadModelFromMirror(page);

  // Model page: the cross-encoder folder becomes a reranker, apart from the base models.
  await page.getByLabel('Choose a reranker folder').setInputFiles(`tests/fixtures/${RERANKER}`);
  const list = page.getByRole('table', { name: 'Rerankers' });
  const row = list.getByRole('row', { name: new RegExp(RERANKER) });
  await expect(row).toBeVisible();
  await expect(row.getByTestId('reranker-labels')).toHaveText('1');
  await expect(page.getByRole('table', { name: 'Base models' })).not.toContainText(RERANKER);

  // Mine with the reranker: relative margin 0.05 (the default) on the cross-encoder's scores.
  await openStep(page, 'Train');
  const panel = page.getByRole('region', { name: 'Hard negatives' });
  await panel.getByRole('spinbutton', { name: 'Negatives per query' }).fill('2');
  await panel.getByRole('combobox', { name: /Reranker/ }).selectOption({ label: RERANKER });
  await panel.getByRole('button', { name: 'Mine', exact: true }).click();
  const review = panel.getByRole('table', { name: 'Mined negatives' });
  await expect(review).toBeVisible({ timeout: 180_000 });
  await expectWorkerReleased(page, 'mining');
  await expect(review.getByRole('columnheader', { name: 'Bi-encoder' })).toBeVisible();
  await expect(review.getByRole('columnheader', { name: 'Cross-encoder' })).toBeVisible();
  await expect(review.getByTestId('bi-score').first()).toHaveText(/^-?\d\.\d{4}$/);
  await expect(review.getByTestId('cross-score').first()).toHaveText(/^\d\.\d{4}$/);
  await expect(review.getByTestId('drop-reason').first()).toHaveText(
    /^dropped: likely false negative: \d\.\d{4} is above the positive's \d\.\d{4} − \|\d\.\d{4}\|·0\.05 = \d\.\d{4}$/,
  );
  // Every kept negative scores at most positive − |positive|·0.05 by the cross-encoder (4 decimals shown).
  const scores = await keptScores(page);
  expect(scores.some((q) => q.kept.length > 0)).toBe(true);
  for (const q of scores)
    for (const s of q.kept)
      expect(s).toBeLessThanOrEqual(q.positive - Math.abs(q.positive) * 0.05 + 1e-4);
  await panel.getByRole('button', { name: 'Save as a new version' }).click();
  await expect(panel.getByTestId('mine-saved')).toContainText(`Saved “${NAME} (mined v2)”`);

  // Train 2 steps with MarginMSE, the reranker labelling the rows.
  const datasetBox = page.getByRole('combobox', { name: 'Dataset', exact: true });
  const mined = await datasetBox
    .locator('option', { hasText: `${NAME} (mined v2)` })
    .getAttribute('value');
  await datasetBox.selectOption(mined!);
  await page.getByRole('combobox', { name: 'Loss' }).selectOption('margin-mse');
  await expect(page.getByRole('combobox', { name: 'Labels from' })).toHaveValue(/^reranker:local:/);
  await page.getByRole('spinbutton', { name: 'Steps', exact: true }).fill('2');
  await page.getByRole('spinbutton', { name: 'Batch size' }).fill('4');
  await page.getByRole('spinbutton', { name: 'Evaluate every' }).fill('0');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('step-counter')).toHaveText('2 / 2', { timeout: 300_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Training finished.' })).toBeVisible();
  await expectWorkerReleased(page, 'training');
  const [run] = await storedRecords<StoredRun>(page, 'runs');
  expect(run.status).toBe('completed');
  expect(run.config.loss).toBe('margin-mse');
  expect(run.reranker).toMatchObject({ kind: 'local', name: RERANKER });
  expect(run.history.map((h) => h[0])).toEqual([1, 2]);
  for (const [, loss] of run.history) {
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(0);
  }

  // Evaluate: the fine-tuned model's top 10, reranked by the cross-encoder, as a system of its own.
  await openStep(page, 'Evaluate');
  await page.getByRole('combobox', { name: 'Rerank with' }).selectOption({ label: RERANKER });
  await page.getByRole('spinbutton', { name: 'Rerank top' }).fill('10');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const reranked = page.getByRole('table', { name: 'Reranked' });
  await expect(reranked).toBeVisible({ timeout: 300_000 });
  await expectWorkerReleased(page, 'evaluation');
  await expect(page.getByTestId('rerank-system')).toHaveText(
    new RegExp(`→ ${RERANKER} \\(top 10\\)$`),
  );
  const ndcg = reranked.getByRole('row', { name: /^nDCG@10/ }).getByRole('cell');
  await expect(ndcg).toHaveText([
    /^\d\.\d{4} \[\d\.\d{4}, \d\.\d{4}\]$/,
    /^\d\.\d{4} \[\d\.\d{4}, \d\.\d{4}\]$/,
    /^(0\.0000|[+\u2212]\d\.\d{4}) \[/,
    /^(< 0\.001|\d\.\d{3})$/,
  ]);
  // The first stage is the fine-tuned system the metrics table shows: the same nDCG@10.
  const tunedCell = page
    .getByRole('table', { name: 'Retrieval metrics' })
    .getByRole('row', { name: /^nDCG@10/ })
    .getByRole('cell')
    .nth(1);
  const mean = (text: string | null) => text!.split(' ')[0];
  expect(mean(await ndcg.first().textContent())).toBe(mean(await tunedCell.textContent()));

  // The same mining without the reranker chooses other negatives.
  await openStep(page, 'Train');
  await panel
    .getByRole('combobox', { name: 'Dataset to mine' })
    .selectOption({ label: `${NAME} (24 pairs)` });
  await panel.getByRole('combobox', { name: /Reranker/ }).selectOption({ index: 0 });
  await panel.getByRole('button', { name: 'Mine', exact: true }).click();
  await expect(review.getByRole('columnheader', { name: 'Score', exact: true })).toBeVisible({
    timeout: 180_000,
  });
  await panel.getByRole('button', { name: 'Save as a new version' }).click();
  await expect(panel.getByTestId('mine-saved')).toBeVisible();
  const stored = await storedDatasets(page);
  expect(stored.map((d) => d.dataset.name)).toEqual([
    NAME,
    `${NAME} (mined v2)`,
    `${NAME} (mined v2)`,
  ]);
  const [, withReranker, biOnly] = stored.map(negativesByQuery);
  expect(withReranker).not.toEqual(biOnly);
});

test('a Hub reranker downloads from the mirror, is listed apart with its label count, and stays after a reload', async ({
  page,
}) => {
  const repo = 'cross-encoder-testing/tiny-cross-encoder';
  await loadModelFromMirror(page);
  await page.getByLabel('Reranker Hub id').fill(repo);
  await page.getByRole('button', { name: 'Add from the Hub' }).click();
  const list = page.getByRole('table', { name: 'Rerankers' });
  const row = list.getByRole('row', { name: new RegExp(repo) });
  await expect(row).toContainText('Hub');
  await expect(row.getByTestId('reranker-labels')).toHaveText('1');
  // 29,280 encoder parameters (the tiny BERT's) and a [1, 32] classifier with its bias.
  await expect(row).toContainText('29,313');
  await page.reload();
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: `Remove ${repo}` }).click();
  await expect(list).toContainText('No reranker yet.');
});
