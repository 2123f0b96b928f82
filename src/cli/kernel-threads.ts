import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startKernelThreads } from '../lib/kernels/threads/start.ts';

/** Our kernels on `threads` threads of this process (see src/lib/kernels/threads/pool.ts). */
export function startNodeKernelThreads(threads: number): Promise<number> {
  return startKernelThreads(threads, (failed) => {
    const worker = new Worker(helperScript(), { eval: true });
    // Helpers wait on the heap for the process's life; they must not keep it alive.
    worker.unref();
    worker.once('error', failed);
    return worker;
  });
}

/**
 * The helper's bootstrap. The helper is TypeScript and the CLI runs through tsx; Node 20 applies
 * no loader hooks to a worker's entry module, so the worker starts as a script that imports the
 * entry through tsx's API (the ESM form its package exports, resolved from this module).
 */
function helperScript(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const exported = (
    JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports: Record<string, { import: { default: string } }>;
    }
  ).exports['./esm/api'].import.default;
  const api = pathToFileURL(join(dirname(manifest), exported)).href;
  const entry = new URL('./kernel-thread.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
}
