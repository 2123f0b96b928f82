import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** Runs `npm run cli -- …` the way it runs (tsx, no build step), without npm's own chatter on stderr. */
export function runCli(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
}
