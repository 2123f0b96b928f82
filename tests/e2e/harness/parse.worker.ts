import { expose } from 'comlink';
import { parseDatasetStream } from '../../../src/lib/data/parser.ts';

/**
 * Parse and validate only, in a worker, with nothing stored: the browser's figure for the
 * parser alone, beside the Data page's full import (bench/import.ts).
 */
const api = {
  async parse(file: File): Promise<{ rows: number; accepted: number; seconds: number }> {
    const started = performance.now();
    const report = await parseDatasetStream(file.stream(), { fileName: file.name });
    return {
      rows: report.rows,
      accepted: report.accepted,
      seconds: (performance.now() - started) / 1000,
    };
  },
};

export type ParseWorkerApi = typeof api;
expose(api);
