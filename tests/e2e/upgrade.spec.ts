import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { restoreOrigin, type OriginDump } from '../support/origin-dump.ts';
import { openStep, TINY_REPO } from '../support/studio-flows.ts';

/**
 * What the studio at commit 7aa854f (IndexedDB schema v1) stored after a person imported the
 * tiny pairs, loaded the tiny BERT from the Hub mirror and trained a 4-step run to the end
 * (tests/fixtures/legacy/make-v1.ts wrote it from that build).
 */
const LEGACY: OriginDump = JSON.parse(
  readFileSync('tests/fixtures/legacy/v1-7aa854f.json', 'utf8'),
);
const RUN = `${TINY_REPO} on tiny-bert.pairs`;

function databaseVersion(page: import('@playwright/test').Page): Promise<number> {
  return page.evaluate(async () => {
    const dbs = await indexedDB.databases();
    return dbs.find((d) => d.name === 'attune')?.version ?? 0;
  });
}

test('data written by the studio at 7aa854f is shown after the upgrade, and its run evaluates', async ({
  page,
}) => {
  test.setTimeout(300_000);
  // The old profile: written on this origin before the new studio ever opens it.
  await page.goto('/favicon.svg');
  // As a script: Playwright's argument typing does not go as deep as the dump's JSON type.
  await page.evaluate(`(${restoreOrigin.toString()})(${JSON.stringify(LEGACY)})`);
  expect(await databaseVersion(page)).toBe(1);

  await page.goto('/#/data');
  const datasets = page.getByRole('table', { name: 'Datasets' });
  await expect(datasets.getByRole('row').filter({ hasText: 'tiny-bert.pairs' })).toContainText(
    '24',
  );
  expect(await databaseVersion(page)).toBe(2);

  await openStep(page, 'Model');
  await expect(page.getByRole('heading', { name: `Base model: ${TINY_REPO}` })).toBeVisible({
    timeout: 60_000,
  });

  await openStep(page, 'Train');
  const run = page.getByRole('row').filter({ hasText: RUN });
  await expect(run.getByRole('cell', { name: 'completed' })).toBeVisible();
  await run.getByRole('button', { name: `Open ${RUN}` }).click();
  await expect(page.getByRole('figure', { name: `Loss of ${RUN}` })).toHaveAttribute(
    'data-points',
    '4',
  );

  await openStep(page, 'Evaluate');
  await expect(page.getByRole('radio', { name: 'Base vs fine-tuned' })).toBeChecked();
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const metrics = page.getByRole('table', { name: 'Retrieval metrics' });
  await expect(metrics).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('eval-summary')).toContainText(
    '2 queries evaluated, 0 dropped (no relevant document)',
  );
  const ndcg = metrics
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'nDCG@10', exact: true }) });
  await expect(ndcg.getByRole('cell').nth(1)).toHaveText(/^\d\.\d+ \[\d\.\d+, \d\.\d+\]$/);
});

test('a tab with the database open is told to reload when a newer version upgrades it', async ({
  page,
  context,
}) => {
  await page.goto('/#/train');
  await expect(page.getByRole('heading', { level: 1, name: 'Train' })).toBeVisible();
  await expect(page.getByText('No runs yet: start one above.')).toBeVisible();

  // Another tab opens the database at the next version, as the next release will.
  const newer = await context.newPage();
  await newer.goto('/favicon.svg');
  const opened = await newer.evaluate(
    (version) =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('attune', version);
        open.onblocked = () => resolve('blocked');
        open.onsuccess = () => {
          open.result.close();
          resolve(`opened v${open.result.version}`);
        };
      }),
    3,
  );
  // Not blocked: the older tab let go at once.
  expect(opened).toBe('opened v3');
  const alert = page.getByRole('alert').filter({ hasText: 'A newer version of Attune' });
  await expect(alert).toHaveText(
    'A newer version of Attune opened your data in another tab. Reload this tab to go on; until then it cannot read or save anything.',
  );
  await newer.close();
});
