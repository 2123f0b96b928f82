import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelSource } from '../lib/model/source.ts';

/** A model folder on disk. */
export function directorySource(dir: string): ModelSource {
  return {
    name: dir,
    read: async (path) => {
      try {
        return new Uint8Array(await readFile(join(dir, path)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
  };
}
