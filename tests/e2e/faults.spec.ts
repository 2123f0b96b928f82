import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { TrainingPair } from '../../src/lib/data/pairs.ts';
import type { RunRecord } from '../../src/lib/store/schema.ts';
import { expectTrainingFinished, stepCounter } from '../support/studio-flows.ts';

declare const store: import('./harness/store.ts').HarnessStore;

/**
 * Faults a long run meets in a browser, each one caused for real: the worker dying mid-run, a
 * second tab training at the same time, the storage quota running out at a checkpoint.
 */

const PAIRS: TrainingPair[] = readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [query, positive, negative] = line.split(',');
    return { query, positive, negatives: [negative] };
  });
/** Enough steps to act mid-run; the two-tab case needs the first tab busy for longer. */
const STEPS = 24;
const LONG_STEPS = 150;
const RUN = 'fault run';

/**
 * The fixture pairs and a run of the tiny model over them (not started: step 0, 'stopped'),
 * stored through the studio's own repositories. The cpu backend: slow enough to act mid-run.
 */
async function seedRun(page: Page, steps = STEPS): Promise<void> {
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'store' in globalThis);
  await page.evaluate(
    async ({ pairs, steps, name }) => {
      const db = await store.openAttuneDb();
      const now = Date.now();
      await store.saveDataset(db, store.fixturePairsDataset('pairs', pairs.length, [], now), pairs);
      const run: RunRecord = {
        id: 'run',
        name,
        created: now,
        updated: now,
        status: 'stopped',
        datasetId: 'pairs',
        model: {
          kind: 'hub',
          host: `${location.origin}/hub-mirror`,
          repo: 'sentence-transformers-testing/tiny-bert',
          revision: 'main',
        },
        config: { steps, batchSize: 8, lr: 1e-3, warmupRatio: 0, checkpointEvery: 2 },
        evalEvery: 0,
        backend: 'cpu',
        totalSteps: steps,
        step: 0,
        history: [],
        evalPoints: [],
      };
      await store.putRun(db, run);
      db.close();
    },
    { pairs: PAIRS, steps, name: RUN },
  );
}

interface Stored {
  status: string;
  step: number;
  steps: number[];
  error?: string;
  checkpointStep: number | null;
  checkpointBytes: number;
}

/** The run and its checkpoint as stored, read with the plain IndexedDB API. */
function stored(page: Page): Promise<Stored> {
  return page.evaluate(
    () =>
      new Promise<Stored>((resolve, reject) => {
        const open = indexedDB.open('attune');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['runs', 'checkpoints']);
          const run = tx.objectStore('runs').get('run');
          const checkpoint = tx.objectStore('checkpoints').get('run');
          tx.oncomplete = () => {
            open.result.close();
            resolve({
              status: run.result.status,
              step: run.result.step,
              steps: run.result.history.map((h: number[]) => h[0]),
              error: run.result.error,
              checkpointStep: checkpoint.result?.step ?? null,
              checkpointBytes: checkpoint.result?.bytes.byteLength ?? 0,
            });
          };
        };
      }),
  );
}

const stepsUpTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function resume(page: Page): Promise<void> {
  await page.getByRole('button', { name: `Resume ${RUN}` }).click();
}

/** Seeds the run, resumes it on the Train page and waits for its first checkpoint (step 2). */
async function resumeToFirstCheckpoint(page: Page): Promise<void> {
  await seedRun(page);
  await page.goto('/#/train');
  await resume(page);
  await expect
    .poll(() => stored(page).then((r) => r.checkpointStep), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(2);
}

async function finishes(page: Page, steps = STEPS): Promise<void> {
  await expectTrainingFinished(page, steps, 240_000);
  const run = await stored(page);
  expect(run.status).toBe('completed');
  // Every step exactly once: nothing lost, nothing taken twice.
  expect(run.steps).toEqual(stepsUpTo(steps));
}

test('the training worker dying mid-run marks the run interrupted, and it resumes', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await resumeToFirstCheckpoint(page);
  await expect.poll(() => stepCounter(page)).toBeGreaterThanOrEqual(3);

  // The worker ends as a crash would end it: no message, no error event, its lock let go.
  const worker = page.workers().find((w) => w.url().includes('training.worker'))!;
  await worker.evaluate(() => close()).catch(() => undefined);

  const status = page.getByRole('status').filter({ hasText: 'stopped unexpectedly' });
  await expect(status).toHaveText(
    /^The training worker stopped unexpectedly after step \d+\. The run is saved at its last checkpoint: resume it to go on from there\.$/,
    { timeout: 30_000 },
  );
  const after = await stored(page);
  expect(after.status).toBe('interrupted');
  await expect(page.getByRole('cell', { name: /^interrupted at step \d+$/ })).toBeVisible();

  await resume(page);
  await finishes(page);
});

test('a second tab cannot train while the first does; the run is left whole', async ({
  page,
  context,
}) => {
  test.setTimeout(400_000);
  await seedRun(page, LONG_STEPS);
  await page.goto('/#/train');
  await resume(page);
  await expect.poll(() => stepCounter(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(2);

  const second = await context.newPage();
  await second.goto('/#/train');
  // To this tab the run looks interrupted (no worker of its own trains it): it offers Resume.
  await resume(second);
  await expect(
    second.getByRole('status').filter({ hasText: 'Another Attune tab is training a run' }),
  ).toHaveText(
    'Another Attune tab is training a run: one run trains at a time in this browser. Stop it or let it finish there, then start this one again.',
  );
  // It was refused while the first tab trained.
  expect(await stepCounter(page)).toBeLessThan(LONG_STEPS);
  await finishes(page, LONG_STEPS);
  await second.close();
});

test('quota exceeded at a checkpoint: the run stops at the previous one and says what to free', async ({
  page,
}) => {
  test.setTimeout(400_000);
  await resumeToFirstCheckpoint(page);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible({
    timeout: 60_000,
  });
  const held = await stepCounter(page);
  const saved = held - (held % 2);
  expect((await stored(page)).checkpointStep).toBe(saved);

  // The disk is full: the worker's next checkpoint write fails as the browser fails it, with a
  // QuotaExceededError. (Chromium's own quota override, `Storage.overrideQuotaForOrigin`, does
  // not reliably reach IndexedDB in a worker, so the store is made to refuse the write itself.)
  const worker = page.workers().find((w) => w.url().includes('training.worker'))!;
  await worker.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    Object.assign(globalThis, { realPut: put });
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args) {
      if (this.name === 'checkpoints')
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    } as typeof put;
  });
  await page.getByRole('button', { name: 'Resume', exact: true }).click();

  const next = saved + 2;
  const status = page.getByRole('status').filter({ hasText: 'Not enough storage' });
  await expect(status).toHaveText(
    new RegExp(
      `^Not enough storage for the checkpoint at step ${next}: free at least \\d+(\\.\\d)? (B|KB|MB) \\(delete old runs, datasets or models\\), then resume\\. The run stopped at its last checkpoint, step ${saved}\\.$`,
    ),
    { timeout: 60_000 },
  );
  const failed = await stored(page);
  expect(failed).toMatchObject({ status: 'failed', step: saved, checkpointStep: saved });
  expect(failed.steps).toEqual(stepsUpTo(saved));

  // Space again: the run resumes from that checkpoint and ends whole.
  await worker.evaluate(() => {
    IDBObjectStore.prototype.put = (
      globalThis as unknown as { realPut: IDBObjectStore['put'] }
    ).realPut;
  });
  await resume(page);
  await finishes(page);
});
