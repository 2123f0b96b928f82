import { chromium } from '@playwright/test';
import { createServer, type Plugin } from 'vite';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/support/chromium.ts';
import type { CaseResult, CaseSpec } from './cases.ts';
import type { MatmulFigure } from './matmul.ts';
import { MATMUL_SHAPE } from './pytorch.ts';

declare const bench: import('comlink').Remote<import('./browser/bench.worker.ts').BenchWorkerApi>;

export interface BrowserRun {
  chromium: string;
  adapter: string;
  wasmThreads: number | null;
  /** The threaded build's plain matmul GFLOP/s in the worker. */
  matmul: MatmulFigure[];
  results: CaseResult[];
}

/**
 * One page's worth of cases: the worker's wasm threads are fixed when its backend starts (1: the
 * single-threaded build the studio's CSP allows; more: the threaded build on that many threads).
 */
export interface BrowserBatch {
  wasmThreads: number;
  specs: CaseSpec[];
}

/**
 * The studio's CSP plus `blob:` scripts: tfjs-backend-wasm's threaded build loads its pthread
 * workers from a blob URL (see `allowWasmThreads`). Only the bench server rewrites it.
 */
const benchCsp: Plugin = {
  name: 'attune-bench-csp',
  configureServer(server) {
    server.middlewares.use((_req, res, next) => {
      const setHeader = res.setHeader.bind(res);
      res.setHeader = (name, value) =>
        setHeader(
          name,
          name.toLowerCase() === 'content-security-policy'
            ? String(value).replace("script-src 'self'", "script-src 'self' blob:")
            : value,
        );
      next();
    });
  },
};

/**
 * Serves the bench page with Vite's dev server (the project's config, COOP/COEP included; no
 * file watching, so other builds in the tree do not reload it) and drives it in Debian's
 * Chromium, one case at a time so each prints as it ends.
 */
export async function runInChromium(
  batches: BrowserBatch[],
  onResult: (r: CaseResult) => void,
): Promise<BrowserRun> {
  const port = Number(process.env.ATTUNE_BENCH_PORT ?? 4791);
  const server = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { port, strictPort: true, hmr: false, watch: null },
    optimizeDeps: { entries: ['bench/browser/index.html'] },
    plugins: [benchCsp],
  });
  await server.listen();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const results: CaseResult[] = [];
    let adapter = 'none';
    let threads: number | null = null;
    const matmul: MatmulFigure[] = [];
    for (const batch of batches) {
      const page = await browser.newPage();
      await page.goto(`http://localhost:${port}/bench/browser/index.html`);
      await page.waitForFunction(() => 'bench' in globalThis);
      await page.evaluate((o) => bench.configure(o), { wasmThreads: batch.wasmThreads });
      adapter = await page.evaluate(() => bench.adapter());
      const count = await page.evaluate(() => bench.wasmThreads());
      const threaded = batch.wasmThreads > 1;
      // Once: the real-size rows' pages are threaded too.
      if (threaded && count !== null && matmul.length === 0) {
        threads = count;
        const figures = await page.evaluate(([s, n]) => bench.matmul(s, n), [
          [...MATMUL_SHAPE],
          count,
        ] as const);
        matmul.push(...figures.map((m) => ({ ...m, what: `Chromium worker ${m.what}` })));
      }
      const wasmBuild = threaded
        ? `threaded build, ${count} thread${count === 1 ? '' : 's'}: XNNPACK and kernel pool`
        : 'single-threaded build';
      for (const spec of batch.specs) {
        const platform =
          spec.backend === 'wasm' ? `Chromium worker (wasm ${wasmBuild})` : 'Chromium worker';
        const result = await page.evaluate(([s, p]) => bench.run(s, p), [spec, platform] as const);
        onResult(result);
        results.push(result);
      }
      await page.close();
    }
    return { chromium: browser.version(), adapter, wasmThreads: threads, matmul, results };
  } finally {
    await browser.close();
    await server.close();
  }
}
