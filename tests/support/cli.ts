import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `npm run cli -- …` the way it runs (tsx, no build step), without npm's own chatter on stderr. */
export function runCli(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
}

/**
 * `embed` of `texts` (one a line in a fresh texts.txt) with the model folder `model` and `extra`
 * flags: the run, and the embeddings it wrote (null when it failed).
 */
export function embedWithCli(
  model: string,
  texts: string[],
  ...extra: string[]
): { run: SpawnSyncReturns<string>; embeddings: number[][] | null } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-embed-'));
  writeFileSync(join(dir, 'texts.txt'), texts.join('\n'));
  const out = join(dir, 'e.json');
  const run = runCli(
    'embed',
    '--model',
    model,
    '--texts',
    join(dir, 'texts.txt'),
    '--out',
    out,
    ...extra,
  );
  return {
    run,
    embeddings: run.status === 0 ? JSON.parse(readFileSync(out, 'utf8')).embeddings : null,
  };
}
