import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { verdictText, type BakeoffReport } from '../../src/lib/eval/bakeoff.ts';
import { formatBytes } from '../../src/lib/util/format.ts';
import { runCli } from '../support/cli.ts';
import {
  expectWorkerReleased,
  fillRunSettings,
  measuredBackend,
  storedRecords,
  useHubMirror,
} from '../support/studio-flows.ts';

const WINNER = 'tests/fixtures/tiny-bert';
const RUNNER_UP = 'tests/fixtures/tiny-bert-b';
const BEIR = 'tests/fixtures/beir';
const CSV = 'tests/fixtures/tiny-bert.pairs.csv';
const STEPS = 3;

/** The same bake-off from the command line, on the cpu backend: what the page must show. */
function cliBakeoff(): BakeoffReport {
  const report = join(mkdtempSync(join(tmpdir(), 'attune-bakeoff-e2e-')), 'bakeoff.json');
  const run = runCli(
    'bakeoff',
    '--models',
    `${RUNNER_UP},${WINNER}`,
    '--beir',
    BEIR,
    '--report',
    report,
  );
  if (run.status !== 0) throw new Error(`cli bakeoff failed: ${run.stderr}`);
  return JSON.parse(readFileSync(report, 'utf8')) as BakeoffReport;
}

/** Bytes of the mirror repo's files other than model.safetensors. */
function bytesBesideWeights(repo: string): number {
  const dir = join('tests/fixtures/hub', repo);
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f !== 'model.safetensors')
    .map((f) => statSync(join(dir, f)))
    .filter((s) => s.isFile())
    .reduce((sum, s) => sum + s.size, 0);
}

const ci = (x: { mean: number; lower: number; upper: number }) =>
  `${x.mean.toFixed(4)} [${x.lower.toFixed(4)}, ${x.upper.toFixed(4)}]`;

test('two local models are evaluated, ranked by nDCG@10 with intervals, and training starts from the winner', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const expected = cliBakeoff();
  expect(expected.models.map((m) => m.model)).toEqual([WINNER, RUNNER_UP]);

  // Data: the BEIR fixture to rank on, and the pairs to train on, as a person brings them.
  await page.goto('/#/data');
  await page.getByLabel('BEIR folder', { exact: true }).setInputFiles(BEIR);
  await expect(page.getByTestId('import-outcome')).toHaveText(/^Imported “beir”/);
  const transfer = await page.evaluateHandle(
    ({ text, name }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'text/csv' }));
      return dt;
    },
    { text: readFileSync(CSV, 'utf8'), name: 'tiny-bert.pairs.csv' },
  );
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText(/24 pairs/).first()).toBeVisible();

  // Models: both folders, the winner first, so that the runner-up is the selected base model
  // until the bake-off's button changes it.
  await page.goto('/#/model');
  for (const dir of [WINNER, RUNNER_UP]) {
    await page.getByLabel('Choose a folder').setInputFiles(dir);
    const name = dir.split('/').pop();
    await expect(
      page.getByRole('heading', { name: `Base model: ${name}`, exact: true }),
    ).toBeVisible();
  }

  // The bake-off, given the runner-up first: the ranking puts the winner on top.
  await page
    .getByRole('navigation', { name: 'Steps' })
    .getByRole('link', { name: 'Evaluate' })
    .click();
  const backend = await measuredBackend(page);
  const candidates = page.getByRole('group', { name: /^Candidates/ });
  // Each label is the model's name and its parameter count (29.3K).
  await candidates.getByRole('checkbox', { name: /^tiny-bert-b / }).check();
  await candidates.getByRole('checkbox', { name: /^tiny-bert / }).check();
  await expect(page.getByTestId('bakeoff-chosen')).toHaveText('2 chosen: tiny-bert-b, tiny-bert');
  await page.getByRole('combobox', { name: 'Bake-off set' }).selectOption('beir (BEIR)');
  await page.getByRole('button', { name: 'Run bake-off' }).click();

  const table = page.getByRole('table', { name: 'Bake-off ranking' });
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('bakeoff-summary')).toHaveText(
    `${expected.dataset.evaluated} queries evaluated, 1 dropped (no relevant document) · ${expected.dataset.documents} documents · ${backend}`,
  );
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  for (const [i, want] of expected.models.entries()) {
    const name = want.model.split('/').pop()!;
    await expect(rows.nth(i).getByRole('rowheader')).toHaveText(name);
    await expect(rows.nth(i).getByRole('cell')).toHaveText([
      String(i + 1),
      ci(want.intervals['ndcg@10']),
      ci(want.intervals['mrr@10']),
      '29,280',
      '32',
      '24',
      /^\d+\.\d$/,
      formatBytes(want.stats.trainingMemory),
      'Train from this model',
    ]);
  }
  // 0.4785 against 0.4517 on five queries: a lead, but not a significant one.
  await expect(page.getByTestId('bakeoff-verdict')).toHaveText(
    verdictText({ ...expected.verdict!, first: 'tiny-bert', second: 'tiny-bert-b' }),
  );
  await expectWorkerReleased(page, 'bakeoff');

  // Train from the winner: it becomes the base model, and a run starts from it.
  await rows.first().getByRole('button', { name: 'Train from this model' }).click();
  await expect(page).toHaveURL(/#\/train$/);
  await expect(page.getByTestId('train-base-model')).toHaveText('tiny-bert');
  const datasets = page.getByRole('combobox', { name: 'Dataset', exact: true });
  const pairs = await datasets.locator('option', { hasText: '24 pairs' }).getAttribute('value');
  await datasets.selectOption(pairs!);
  await fillRunSettings(page, { Steps: STEPS, 'Batch size': 8 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('step-counter')).toHaveText(`${STEPS} / ${STEPS}`, {
    timeout: 180_000,
  });
  const [run] = await storedRecords<{ step: number; model: unknown }>(page, 'runs');
  expect(run.model).toMatchObject({ kind: 'local', name: 'tiny-bert' });
  expect(run.step).toBe(STEPS);
});

test('a Hub candidate downloads with progress; Cancel stops the bake-off; a second run finishes and caches it', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const repo = 'sentence-transformers-testing/tiny-bert';
  // The mirror's tiny-bert holds the very files of tests/fixtures/tiny-bert.
  const expected = cliBakeoff();

  await page.goto('/#/data');
  await page.getByLabel('BEIR folder', { exact: true }).setInputFiles(BEIR);
  await expect(page.getByTestId('import-outcome')).toHaveText(/^Imported “beir”/);
  const mirror = await useHubMirror(page);
  await page.getByLabel('Choose a folder').setInputFiles(RUNNER_UP);
  await expect(page.getByRole('heading', { name: 'Base model: tiny-bert-b' })).toBeVisible();

  await page
    .getByRole('navigation', { name: 'Steps' })
    .getByRole('link', { name: 'Evaluate' })
    .click();
  await page.getByLabel('Another Hub model id').fill('not a repo');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('"not a repo" is not a Hub repo id');
  await page.getByLabel('Another Hub model id').fill(repo);
  await page.getByLabel('Another Hub model id').press('Enter');
  const candidates = page.getByRole('group', { name: /^Candidates/ });
  await expect(candidates.getByRole('checkbox', { name: repo })).toBeChecked();
  await candidates.getByRole('checkbox', { name: /^tiny-bert-b / }).check();
  await page.getByRole('combobox', { name: 'Bake-off set' }).selectOption('beir (BEIR)');

  // Hold the weights back, so that there is a download in progress to see and to cancel.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.context().route('**/hub-mirror/**/model.safetensors', async (route) => {
    await held;
    await route.continue().catch(() => {});
  });
  await page.getByRole('button', { name: 'Run bake-off' }).click();
  const steps = page.getByTestId('bakeoff-step');
  // Every file but the held weights has arrived; the total is unknown until the weights answer.
  await expect(steps).toHaveText([
    `downloading ${formatBytes(bytesBesideWeights(repo))}`,
    'waiting',
  ]);
  await page.getByRole('button', { name: 'Cancel bake-off' }).click();
  await expect(page.getByText('Bake-off cancelled.')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Bake-off ranking' })).toHaveCount(0);

  release();
  await page.context().unrouteAll({ behavior: 'ignoreErrors' });
  await page.getByRole('button', { name: 'Run bake-off' }).click();
  const table = page.getByRole('table', { name: 'Bake-off ranking' });
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(table.locator('tbody tr').getByRole('rowheader')).toHaveText([repo, 'tiny-bert-b']);
  await expect(table.locator('tbody tr').first().getByRole('cell').nth(1)).toHaveText(
    ci(expected.models[0].intervals['ndcg@10']),
  );
  await expectWorkerReleased(page, 'bakeoff');
  const cached = await page.evaluate(async () =>
    (await (await caches.open('transformers-cache')).keys()).map((r) => r.url),
  );
  expect(cached).toContain(`${mirror}/${repo}/resolve/main/model.safetensors`);

  // From the Hub, "Train from this model" selects the repo at the mirror.
  await table
    .locator('tbody tr')
    .first()
    .getByRole('button', { name: 'Train from this model' })
    .click();
  await expect(page.getByTestId('train-base-model')).toHaveText(repo);
});
