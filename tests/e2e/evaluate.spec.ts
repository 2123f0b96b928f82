import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect, test, type Page } from '@playwright/test';
import { directorySource } from '../../src/cli/fs-source.ts';
import type { TrainingPair } from '../../src/lib/data/pairs.ts';
import type { KitManifest } from '../../src/lib/eval/kit/kit.ts';
import type { EvaluationReport } from '../../src/lib/eval/report.ts';
import { readZip } from '../../src/lib/export/zip.ts';
import {
  beirSplit,
  documentText,
  parseBeirCorpus,
  parseBeirQrels,
  parseBeirQueries,
} from '../../src/lib/data/beir.ts';
import { retrievalTaskFromPairs } from '../../src/lib/eval/pairs-task.ts';
import {
  evaluateRetrieval,
  type RetrievalResult,
  type RetrievalTask,
} from '../../src/lib/eval/retrieval.ts';
import { SentenceEncoder } from '../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../src/lib/model/folder.ts';
import type { RunRecord } from '../../src/lib/store/schema.ts';
import { decodeCheckpoint, modelAtCheckpoint } from '../../src/lib/train/checkpoint.ts';
import { runCli } from '../support/cli.ts';
import { expectWorkerReleased, measuredBackend } from '../support/studio-flows.ts';

declare const store: import('./harness/store.ts').HarnessStore;

const MODEL_DIR = 'tests/fixtures/tiny-bert';
const CSV = readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8');
/** The fixture has no quoted commas: a plain split is exact. */
const PAIRS: TrainingPair[] = CSV.trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [query, positive, negative] = line.split(',');
    return { query, positive, negatives: [negative] };
  });
/** Every fourth query is held out, as a seeded split would hold out a quarter. */
const EVAL_QUERIES = PAIRS.filter((_, i) => i % 4 === 0).map((p) => p.query);
const CHECKPOINT_STEP = 18;
/** The eval task as the worker builds it: corpus = every positive and negative, de-duplicated. */
const TASK = retrievalTaskFromPairs(PAIRS, new Set(EVAL_QUERIES));

/**
 * Fine-tunes the tiny model on the training pairs with the real trainer (the CLI) and takes its
 * last checkpoint: the bytes the studio's training worker would have stored. A high learning
 * rate, so that the tiny random model's rankings visibly move.
 */
function trainCheckpoint(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'attune-eval-e2e-'));
  const data = join(dir, 'train.csv');
  const held = new Set(EVAL_QUERIES);
  const [header, ...lines] = CSV.trim().split('\n');
  writeFileSync(data, [header, ...lines.filter((_, i) => !held.has(PAIRS[i].query))].join('\n'));
  const r = runCli(
    'train',
    ...['--model', MODEL_DIR, '--data', data, '--out', join(dir, 'model')],
    ...['--steps', String(CHECKPOINT_STEP + 1), '--batch-size', '6', '--lr', '3e-3'],
    ...['--warmup-ratio', '0'],
    ...['--checkpoint-every', String(CHECKPOINT_STEP), '--seed', '1'],
  );
  if (r.status !== 0) throw new Error(`cli train failed: ${r.stderr}`);
  // A copy, not the Buffer itself: `Buffer.slice` makes views, where the safetensors reader
  // expects `Uint8Array.slice` to copy.
  return new Uint8Array(
    readFileSync(join(dir, 'model', 'checkpoints', `step-${CHECKPOINT_STEP}.safetensors`)),
  );
}

/** The same evaluation in Node with `src/lib/eval` on the cpu backend: what the browser must match. */
async function evaluateInNode(model: SentenceModel, task: RetrievalTask): Promise<RetrievalResult> {
  await tf.setBackend('cpu');
  const encoder = new SentenceEncoder(model);
  try {
    return await evaluateRetrieval(encoder, task);
  } finally {
    encoder.dispose();
  }
}

/** The fixture BEIR folder's test split, as the importer stores it and the CLI reads it. */
function beirTask(): RetrievalTask {
  const dir = 'tests/fixtures/beir';
  const split = beirSplit(
    parseBeirCorpus(readFileSync(join(dir, 'corpus.jsonl'), 'utf8')),
    parseBeirQueries(readFileSync(join(dir, 'queries.jsonl'), 'utf8')),
    parseBeirQrels(readFileSync(join(dir, 'qrels', 'test.tsv'), 'utf8')),
  );
  return {
    corpus: split.corpus.map((d) => ({ id: d.id, text: documentText(d) })),
    queries: split.queries,
    relevant: split.relevant,
  };
}

interface Seed {
  /** The run's checkpoint; none: a run that has not saved one yet. */
  checkpoint: Uint8Array | null;
  /** Also store this task as an imported BEIR set, `tiny-beir`. */
  beir?: RetrievalTask;
}

/**
 * Seeds the studio's IndexedDB through its own repositories, as the Data and Train pages would:
 * the fixture pairs with their held-out queries, a run of the tiny model, its checkpoint.
 */
async function seed(page: Page, { checkpoint, beir }: Seed): Promise<void> {
  await page.goto('/tests/e2e/harness/index.html');
  await page.waitForFunction(() => 'store' in globalThis);
  const beirRecord = beir && {
    corpus: [...beir.corpus],
    queries: [...beir.queries],
    qrels: [...beir.relevant].flatMap(([q, ids]) => [...ids].map((d): [string, string] => [q, d])),
  };
  await page.evaluate(
    async ({ pairs, evalQueries, bytes, step, beirRecord }) => {
      const db = await store.openAttuneDb();
      const now = Date.now();
      const dataset = store.fixturePairsDataset('tiny-pairs', pairs.length, evalQueries, now);
      await store.saveDataset(db, dataset, pairs);
      if (beirRecord) {
        await store.saveDataset(
          db,
          {
            ...dataset,
            id: 'tiny-beir',
            name: 'tiny beir',
            created: now + 1,
            columns: { query: 'query', positive: 'document', negatives: [] },
            evalQueries: undefined,
            kind: 'beir',
          },
          [],
        );
        await db.put('evalSets', { datasetId: 'tiny-beir', ...beirRecord });
      }
      const run: RunRecord = {
        id: 'tiny-run',
        name: 'tiny run',
        created: now,
        updated: now,
        status: 'stopped',
        datasetId: 'tiny-pairs',
        model: {
          kind: 'hub',
          host: `${location.origin}/hub-mirror`,
          repo: 'sentence-transformers-testing/tiny-bert',
          revision: 'main',
        },
        config: {},
        evalEvery: 0,
        backend: 'auto',
        totalSteps: step + 1,
        step: bytes ? step : 0,
        history: [],
        evalPoints: [],
      };
      await store.putRun(db, run);
      if (bytes) {
        await store.saveCheckpoint(
          db,
          { runId: run.id, step, created: now, bytes: new Uint8Array(bytes) },
          run,
        );
      }
      db.close();
    },
    {
      pairs: PAIRS,
      evalQueries: EVAL_QUERIES,
      bytes: checkpoint && [...checkpoint],
      step: CHECKPOINT_STEP,
      beirRecord,
    },
  );
}

/**
 * SwiftShader's float32 shaders differ from the CPU's in the last bits (see parity.spec.ts);
 * metrics are means of rank functions, equal unless a near-tie flips, so 1e-4 is tight.
 */
const METRIC_TOLERANCE = 1e-4;

function expectSameMetrics(got: Record<string, unknown>, want: RetrievalResult, label: string) {
  for (const [key, value] of Object.entries(want.metrics)) {
    expect(Math.abs((got[key] as number) - value), `${label} ${key}`).toBeLessThan(
      METRIC_TOLERANCE,
    );
  }
}

const fixed = (x: number) => x.toFixed(4);
const effect = (d: number | null) =>
  d === null ? '—' : d < 0 ? `\u2212${Math.abs(d).toFixed(2)}` : d.toFixed(2);
const signed = (x: number) =>
  fixed(Math.abs(x)) === '0.0000' ? '0.0000' : `${x > 0 ? '+' : '\u2212'}${fixed(Math.abs(x))}`;

test('evaluates base against fine-tuned: intervals, p-values, per-query view, top-10 lists, cache', async ({
  page,
}) => {
  const checkpoint = trainCheckpoint();
  const base = await loadSentenceModel(directorySource(MODEL_DIR));
  const nodeBase = await evaluateInNode(base, TASK);
  const nodeTuned = await evaluateInNode(
    modelAtCheckpoint(base, decodeCheckpoint(checkpoint)),
    TASK,
  );
  await seed(page, { checkpoint });

  await page.goto('/#/evaluate');
  const backend = await measuredBackend(page);
  const evalSet = page.getByRole('combobox', { name: 'Evaluation set' });
  await expect(page.getByRole('combobox', { name: 'Run' })).toHaveValue('tiny-run');
  await expect(evalSet).toHaveValue('tiny-pairs');
  await expect(evalSet).toContainText('tiny pairs — eval split (6 queries)');
  await expect(page.getByRole('radio', { name: 'Base vs fine-tuned' })).toBeChecked();

  // Cancel right away: the worker stops at its next check and the page says so.
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  await expect(page.getByRole('progressbar', { name: 'Evaluation progress' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('Evaluation cancelled.')).toBeVisible();
  await expectWorkerReleased(page, 'evaluation');
  await expect(page.getByRole('table', { name: 'Retrieval metrics' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Run evaluation' }).click();
  await expect(page.getByTestId('eval-progress')).toContainText(/^(Base|Fine-tuned) model · /);
  const metrics = page.getByRole('table', { name: 'Retrieval metrics' });
  await expect(metrics).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('eval-summary')).toContainText(
    `6 queries evaluated, 0 dropped (no relevant document) · ${TASK.corpus.length} documents · ${backend}`,
  );
  await expect(page.getByTestId('eval-corpus')).toHaveText([
    /^Base: corpus embedded at \d+\.\d docs\/s$/,
    /^Fine-tuned: corpus embedded at \d+\.\d docs\/s$/,
  ]);

  // The report a person downloads holds the exact values the table rounds.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download report (JSON)' }).click(),
  ]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8')) as EvaluationReport;
  expect(report.model).toBe('hub:sentence-transformers-testing/tiny-bert@main');
  expect(report.compare!.model).toBe(`run:tiny-run@${CHECKPOINT_STEP}`);
  expect(report.resampling).toEqual({ resamples: 1000, seed: 0, level: 0.95 });
  expectSameMetrics(report, nodeBase, 'base');
  expectSameMetrics(report.compare!, nodeTuned, 'fine-tuned');

  // The table: every metric, both intervals, the difference's interval and the p-value.
  await expect(metrics.getByRole('row')).toHaveCount(16);
  for (const [key, label] of [
    ['ndcg@10', 'nDCG@10'],
    ['mrr@10', 'MRR@10'],
    ['map@100', 'MAP@100'],
    ['recall@5', 'Recall@5'],
    ['accuracy@1', 'Accuracy@1'],
  ]) {
    const c = report.comparison![key];
    const ci = (x: { mean: number; lower: number; upper: number }, f = fixed) =>
      `${f(x.mean)} [${f(x.lower)}, ${f(x.upper)}]`;
    const p = (x: number) => (x < 0.001 ? '< 0.001' : x.toFixed(3));
    const test = report.comparisons!.find(
      (t) => t.source === 'sentence-transformers' && t.metric === key,
    )!;
    const row = metrics
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: label, exact: true }) });
    await expect(row.getByRole('cell')).toHaveText([
      ci(c.base),
      ci(c.tuned),
      ci(c.difference, signed),
      p(c.pValue),
      p(test.pHolm),
      effect(test.effectSize),
      `${test.wins} / ${test.ties} / ${test.losses}`,
    ]);
  }

  // The graded table: trec_eval's measures of the same rankings, in the same family of tests.
  const graded = page.getByRole('table', { name: 'Graded metrics (trec_eval)' });
  await expect(graded.getByRole('row')).toHaveCount(6);
  const gradedNdcg = report.comparisons!.find((t) => t.metric === 'ndcg_cut_10')!;
  await expect(
    graded
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'ndcg_cut_10', exact: true }) })
      .getByRole('cell')
      .first(),
  ).toHaveText(
    `${fixed(gradedNdcg.base.mean)} [${fixed(gradedNdcg.base.lower)}, ${fixed(gradedNdcg.base.upper)}]`,
  );
  expect(report.comparisons).toHaveLength(20);

  // The kit: the same figures, and reproduce.py recomputes every one of them from the runs.
  const [kitDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download evaluation kit' }).click(),
  ]);
  expect(kitDownload.suggestedFilename()).toMatch(/^attune-evaluation-kit-\d{4}-\d\d-\d\d\.zip$/);
  const kitDir = mkdtempSync(join(tmpdir(), 'attune-kit-e2e-'));
  const root = kitDownload.suggestedFilename().replace(/\.zip$/, '');
  for (const [path, bytes] of readZip(
    new Uint8Array(readFileSync(await kitDownload.path())),
    'kit.zip',
  )) {
    mkdirSync(dirname(join(kitDir, path)), { recursive: true });
    writeFileSync(join(kitDir, path), bytes);
  }
  const kit = join(kitDir, root);
  const manifest = JSON.parse(readFileSync(join(kit, 'manifest.json'), 'utf8')) as KitManifest;
  expect(manifest).toEqual({
    qrels: 'qrels.txt',
    runs: [
      { role: 'base', model: report.model, file: 'runs/base.txt', trec: report.trec!.metrics },
      {
        role: 'compared',
        model: report.compare!.model,
        file: 'runs/compared.txt',
        trec: report.compare!.trec!.metrics,
      },
    ],
    html: 'report.html',
    reproduce: 'reproduce.py',
    perQuery: 'per-query.tsv',
  });
  const reproduced = spawnSync('python3', ['-I', join(kit, 'reproduce.py')], { encoding: 'utf8' });
  expect(reproduced.stdout).toBe('reproduced\n');

  // Per query: one row per evaluated query, sortable by any column, by mouse or keyboard.
  const perQuery = page.getByRole('table', { name: 'Per-query results' });
  const bodyRows = perQuery.locator('tbody tr');
  await expect(bodyRows).toHaveCount(6);
  const change = (id: string) =>
    (report.compare!.perQuery[id]['ndcg@10'] as number) -
    (report.perQuery[id]['ndcg@10'] as number);
  const byChange = TASK.queries
    .map((q) => ({ text: q.text, change: change(q.id) }))
    .sort((a, b) => a.change - b.change);
  const changeHeader = perQuery.getByRole('columnheader', { name: 'Change' });
  await changeHeader.getByRole('button').click();
  await expect(changeHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(bodyRows.locator('td:first-child')).toHaveText(byChange.map((q) => q.text));
  await changeHeader.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(changeHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(bodyRows.locator('td:last-child').first()).toHaveText(
    signed(Math.max(...byChange.map((q) => q.change))),
  );

  const regressed = byChange.filter((q) => q.change < 0).length;
  await page.getByLabel('Regressed only').check();
  await expect(bodyRows).toHaveCount(Math.max(regressed, 1));
  if (regressed === 0) await expect(bodyRows).toHaveText(['No query regressed.']);
  await page.getByLabel('Regressed only').uncheck();
  await expect(bodyRows).toHaveCount(6);

  const figure = page.getByRole('img', {
    name: /^Per-query nDCG@10, base \(x\) against fine-tuned/,
  });
  await expect(figure).toBeVisible();
  await expect(figure.locator('circle')).toHaveCount(6);

  // Open a query with the keyboard: both top-10 lists, relevant documents marked.
  const query = TASK.queries[0];
  const button = perQuery.getByRole('button', { name: query.text, exact: true });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: `Top 10 for “${query.text}”` })).toBeVisible();
  for (const [name, result] of [
    ['Base model top 10', nodeBase],
    ['Fine-tuned model top 10', nodeTuned],
  ] as const) {
    const list = page.getByRole('list', { name });
    await expect(list.getByRole('listitem')).toHaveCount(10);
    const relevant = TASK.relevant.get(query.id)!;
    const wanted = result.rankings
      .get(query.id)!
      .slice(0, 10)
      .map((hit) => relevant.has(hit.docId));
    const marked = list.getByRole('listitem').filter({ hasText: 'Relevant' });
    await expect(marked).toHaveCount(wanted.filter(Boolean).length);
    const first = wanted.indexOf(true);
    if (first >= 0) {
      const doc = TASK.corpus.find((d) => d.id === result.rankings.get(query.id)![first].docId)!;
      await expect(list.getByRole('listitem').nth(first)).toContainText(doc.text);
    }
  }

  // Again: both corpora now come from the embedding cache, and the numbers do not move.
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  await expect(page.getByTestId('eval-corpus')).toHaveText(
    ['Base: corpus embeddings from the cache', 'Fine-tuned: corpus embeddings from the cache'],
    { timeout: 120_000 },
  );
  const [again] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download report (JSON)' }).click(),
  ]);
  const second = JSON.parse(readFileSync(await again.path(), 'utf8')) as EvaluationReport;
  expect(second.comparison).toEqual(report.comparison);
  // Two models embedded and searched twice, and a cancelled run: nothing left behind.
  await expectWorkerReleased(page, 'evaluation');
});

test('evaluates the base model alone on an imported BEIR set, dropping the query without a relevant document', async ({
  page,
}) => {
  const task = beirTask();
  const nodeBase = await evaluateInNode(await loadSentenceModel(directorySource(MODEL_DIR)), task);
  await seed(page, { checkpoint: null, beir: task });

  await page.goto('/#/evaluate');
  await expect(page.getByRole('radio', { name: 'Base vs fine-tuned' })).toBeDisabled();
  await expect(page.getByRole('radio', { name: 'Base only' })).toBeChecked();
  await expect(page.getByText('this run has no checkpoint yet')).toBeVisible();
  await page.getByRole('combobox', { name: 'Evaluation set' }).selectOption('tiny beir (BEIR)');
  await page.getByRole('button', { name: 'Run evaluation' }).click();

  const metrics = page.getByRole('table', { name: 'Retrieval metrics' });
  await expect(metrics).toBeVisible({ timeout: 120_000 });
  await expect(metrics.getByRole('columnheader')).toHaveText(['Metric', 'Base [95% CI]']);
  // q6 is judged with score 0 only: it stays in the split, without a relevant document.
  expect(nodeBase.dropped).toEqual(['q6']);
  await expect(page.getByTestId('eval-summary')).toContainText(
    `${task.queries.length - 1} queries evaluated, 1 dropped (no relevant document) · ${task.corpus.length} documents`,
  );
  await expect(page.getByRole('img', { name: /^Per-query nDCG@10/ })).toHaveCount(0);
  await expect(page.getByLabel('Regressed only')).toHaveCount(0);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download report (JSON)' }).click(),
  ]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8')) as EvaluationReport;
  expect(report.compare).toBeUndefined();
  expect(report.comparison).toBeUndefined();
  expect(report.dataset.dropped).toEqual(['q6']);
  expectSameMetrics(report, nodeBase, 'base');
  const ndcg = report.intervals['ndcg@10'];
  const row = metrics
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: 'nDCG@10', exact: true }) });
  await expect(row.getByRole('cell')).toHaveText([
    `${fixed(ndcg.mean)} [${fixed(ndcg.lower)}, ${fixed(ndcg.upper)}]`,
  ]);

  const perQuery = page.getByRole('table', { name: 'Per-query results' });
  await expect(perQuery.getByRole('columnheader')).toHaveText(['Query ↕', 'Rank ↕', 'nDCG@10 ↕']);
  await expect(perQuery.locator('tbody tr')).toHaveCount(task.queries.length - 1);
  const rankHeader = perQuery.getByRole('columnheader', { name: 'Rank' });
  await rankHeader.getByRole('button').click();
  const ranks = [...nodeBase.perQuery.values()]
    .map((q) => q.firstRelevantRank)
    .sort((a, b) => (a ?? Infinity) - (b ?? Infinity))
    .map((r) => (r === null ? '—' : String(r)));
  await expect(perQuery.locator('tbody tr td:nth-child(2)')).toHaveText(ranks);

  const first = task.queries[0];
  await perQuery.getByRole('button', { name: first.text, exact: true }).click();
  const list = page.getByRole('list', { name: 'Base model top 10' });
  await expect(list.getByRole('listitem')).toHaveCount(10);
  await expect(page.getByRole('list', { name: 'Fine-tuned model top 10' })).toHaveCount(0);
  const relevant = task.relevant.get(first.id)!;
  const wanted = nodeBase.rankings
    .get(first.id)!
    .slice(0, 10)
    .filter((hit) => relevant.has(hit.docId)).length;
  await expect(list.getByRole('listitem').filter({ hasText: 'Relevant' })).toHaveCount(wanted);
});
