import { proxy, wrap } from 'comlink';
import { spawnImportWorker } from '../../../src/workers/spawn.ts';
import type { PairsImportRequest } from '../../../src/workers/import.worker.ts';
import type { ParseWorkerApi } from './parse.worker.ts';

const worker = spawnImportWorker();

/**
 * The studio's real import worker, reachable from `page.evaluate`: a test hands it a file's
 * bytes and gets the same outcome the Data page gets. `parseOnly` runs the parser alone in a
 * worker of its own, for the import benchmark.
 */
export const imports = {
  importBytes: (bytes: Uint8Array<ArrayBuffer>, fileName: string, request: PairsImportRequest) =>
    worker.api.importPairs(
      new File([bytes], fileName),
      request,
      proxy(() => undefined),
    ),
  async parseOnly(file: File) {
    const parser = new Worker(new URL('./parse.worker.ts', import.meta.url), { type: 'module' });
    try {
      return await wrap<ParseWorkerApi>(parser).parse(file);
    } finally {
      parser.terminate();
    }
  },
};
export type HarnessImports = typeof imports;

Object.assign(globalThis, { imports });
