/**
 * `npx tsx bench/import.ts [--rows N] [--skip-browser]`
 *
 * The dataset import at scale (issue 4): a synthetic CSV of 1,000,000 distinct pairs (~150 MB),
 * parsed and validated in Node, parsed and validated in a Chromium worker, and imported through
 * the Data page into IndexedDB (parse, validate, SHA-256, chunked writes, eval split), with the
 * peak JS heap of the page and of the import worker and the longest task on the page's main
 * thread. Prints a markdown table. Targets: ≥ 200k rows/s in Node; the browser import under 60 s
 * with the JS heap under 1 GB; no main-thread task over 100 ms.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { parseDatasetStream } from '../src/lib/data/parser.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/support/chromium.ts';

declare const imports: import('../tests/e2e/harness/imports.ts').HarnessImports;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ROWS = Number(flag('rows') ?? 1_000_000);
const SKIP_BROWSER = process.argv.includes('--skip-browser');
const PORT = Number(process.env.ATTUNE_BENCH_PORT ?? 4795);
const MB = 1024 * 1024;

const THREADS = ['M4', 'M5', 'M6', 'M8', 'M10', 'M12', '1/4-20', '5/16-18', '3/8-16', '1/2-13'];
const FINISHES = ['zinc plated', 'plain', 'black oxide', 'hot-dip galvanized', 'A2 stainless'];
const HEADS = ['hex cap screw', 'socket cap screw', 'flange bolt', 'carriage bolt'];

/** Row `i`: a catalogue query, its description and a near miss (another grade), ~150 bytes. */
function row(i: number): string {
  const thread = THREADS[i % THREADS.length];
  const finish = FINISHES[(i >> 3) % FINISHES.length];
  const head = HEADS[(i >> 5) % HEADS.length];
  const length = 10 + (i % 90);
  return (
    `${thread} ${head} ${length} ${finish} #${i},` +
    `"${head}, grade 8.8, ${finish}, ${thread} x ${length}, no. ${i}",` +
    `"${head}, grade 10.9, ${finish}, ${thread} x ${length}, no. ${i}"\n`
  );
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('query,positive,negative\n');
  for (let i = 0; i < rows; i += 10_000) {
    let block = '';
    for (let k = i; k < Math.min(rows, i + 10_000); k++) block += row(k);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface NodeFigures {
  seconds: number;
  rows: number;
  peakHeap: number;
}

async function parseInNode(path: string): Promise<NodeFigures> {
  let peakHeap = 0;
  const sample = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed));
  const timer = setInterval(sample, 50);
  const started = performance.now();
  const report = await parseDatasetStream(createReadStream(path, { highWaterMark: MB }), {
    fileName: 'bench.csv',
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  if (report.accepted !== ROWS) throw new Error(`Node accepted ${report.accepted} of ${ROWS}`);
  return { seconds, rows: report.rows, peakHeap };
}

/** Asks a worker target for its JS heap over the browser session (Playwright gives workers no CDP). */
class WorkerHeaps {
  private next = 1;
  private readonly waiting = new Map<number, (used: number) => void>();
  private readonly sessions = new Map<string, string>();

  constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const message = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
      if (message.id !== undefined) this.waiting.get(message.id)?.(message.result?.usedSize ?? 0);
    });
  }

  /** Used heap of every worker whose script URL contains `name`. */
  async used(name: string): Promise<number> {
    const { targetInfos } = await this.cdp.send('Target.getTargets');
    let total = 0;
    for (const t of targetInfos.filter((t) => t.type === 'worker' && t.url.includes(name))) {
      let sessionId = this.sessions.get(t.targetId);
      if (!sessionId) {
        ({ sessionId } = await this.cdp.send('Target.attachToTarget', {
          targetId: t.targetId,
          flatten: false,
        }));
        this.sessions.set(t.targetId, sessionId);
      }
      const id = this.next++;
      const reply = new Promise<number>((resolve) => this.waiting.set(id, resolve));
      await this.cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
      });
      total += await reply;
    }
    return total;
  }
}

interface BrowserFigures {
  chromium: string;
  parseSeconds: number;
  importSeconds: number;
  peakPageHeap: number;
  peakWorkerHeap: number;
  maxLongTask: number;
  longTasks: number;
}

async function parseInBrowserWorker(page: Page, path: string): Promise<number> {
  await page.goto(`http://localhost:${PORT}/tests/e2e/harness/index.html`);
  await page.waitForFunction(() => 'imports' in globalThis);
  await page.evaluate(() => {
    const input = Object.assign(document.createElement('input'), { type: 'file', id: 'bench' });
    document.body.append(input);
  });
  await page.setInputFiles('#bench', path);
  const result = await page.evaluate(() =>
    imports.parseOnly((document.getElementById('bench') as HTMLInputElement).files![0]),
  );
  if (result.accepted !== ROWS) throw new Error(`the worker accepted ${result.accepted}`);
  return result.seconds;
}

async function importInStudio(browser: Browser, page: Page, path: string) {
  await page.addInitScript(() => {
    const durations: number[] = [];
    Object.assign(window, { longTasks: durations });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) durations.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
  await page.goto(`http://localhost:${PORT}/#/data`);
  await page.getByRole('heading', { name: 'Data', level: 1 }).waitFor();
  await page.getByLabel('Dataset file', { exact: true }).setInputFiles(path);
  await page.getByRole('button', { name: 'Import' }).waitFor();
  await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0));

  const pageCdp = await page.context().newCDPSession(page);
  const heaps = new WorkerHeaps(await browser.newBrowserCDPSession());
  let peakPageHeap = 0;
  let peakWorkerHeap = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { usedSize } = await pageCdp.send('Runtime.getHeapUsage');
      peakPageHeap = Math.max(peakPageHeap, usedSize);
      peakWorkerHeap = Math.max(peakWorkerHeap, await heaps.used('import.worker'));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  const started = performance.now();
  await page.getByRole('button', { name: 'Import' }).click();
  const outcome = page.getByTestId('import-outcome');
  await outcome.waitFor({ timeout: 600_000 });
  const importSeconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const text = (await outcome.textContent()) ?? '';
  if (!text.includes(`${ROWS.toLocaleString('en-US')} pairs`)) throw new Error(text);
  const tasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  return {
    importSeconds,
    peakPageHeap,
    peakWorkerHeap,
    maxLongTask: Math.max(0, ...tasks),
    longTasks: tasks.length,
  };
}

async function runInBrowser(path: string): Promise<BrowserFigures> {
  // The production build, with the test harness page (it runs the parser alone in a worker).
  process.env.ATTUNE_E2E_HARNESS = '1';
  const { build, preview } = await import('vite');
  const outDir = mkdtempSync(join(os.tmpdir(), 'attune-bench-dist-'));
  await build({ configFile: 'vite.config.ts', logLevel: 'error', build: { outDir } });
  const server = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    build: { outDir },
    preview: { port: PORT, strictPort: true },
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const parseSeconds = await parseInBrowserWorker(await browser.newPage(), path);
    const context = await browser.newContext();
    const figures = await importInStudio(browser, await context.newPage(), path);
    return { chromium: browser.version(), parseSeconds, ...figures };
  } finally {
    await browser.close();
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

const rate = (rows: number, seconds: number) =>
  `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

const work = mkdtempSync(join(os.tmpdir(), 'attune-bench-import-'));
try {
  const path = join(work, 'bench.csv');
  await writeCsv(path, ROWS);
  const size = statSync(path).size;
  console.error(`wrote ${ROWS.toLocaleString('en-US')} rows, ${mb(size)}`);
  const node = await parseInNode(path);
  console.error(`node: ${node.seconds.toFixed(1)} s`);
  const browser = SKIP_BROWSER ? null : await runInBrowser(path);

  const lines = [
    `Dataset import, ${ROWS.toLocaleString('en-US')} rows (${mb(size)} CSV), ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}${browser ? `, Chromium ${browser.chromium}` : ''}`,
    '',
    '| measure | figure | target |',
    '| --- | --- | --- |',
    `| Node: parse + validate | ${node.seconds.toFixed(1)} s, ${rate(ROWS, node.seconds)}, peak heap ${mb(node.peakHeap)} | ≥ 200,000 rows/s: ${verdict(ROWS / node.seconds >= 200_000)} |`,
  ];
  if (browser) {
    const heap = browser.peakPageHeap + browser.peakWorkerHeap;
    lines.push(
      `| Chromium worker: parse + validate | ${browser.parseSeconds.toFixed(1)} s, ${rate(ROWS, browser.parseSeconds)} | — |`,
      `| Chromium: import into IndexedDB (Data page) | ${browser.importSeconds.toFixed(1)} s, ${rate(ROWS, browser.importSeconds)} | < 60 s: ${verdict(browser.importSeconds < 60)} |`,
      `| peak JS heap: page + import worker | ${mb(browser.peakPageHeap)} + ${mb(browser.peakWorkerHeap)} | < 1 GB: ${verdict(heap < 1024 * MB)} |`,
      `| longest main-thread task during the import | ${browser.maxLongTask.toFixed(0)} ms (${browser.longTasks} over 50 ms) | ≤ 100 ms: ${verdict(browser.maxLongTask <= 100)} |`,
    );
  }
  console.log(lines.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
