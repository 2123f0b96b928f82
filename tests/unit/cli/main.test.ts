import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) =>
  spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });

describe('cli', () => {
  it('prints help listing the commands', () => {
    const out = execFileSync('npx', ['tsx', 'src/cli/main.ts', '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: npm run cli -- <command> [options]');
  });

  it('refuses an unknown command with exit 64 and names it', () => {
    const r = cli('frobnicate');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('Unknown command "frobnicate"');
  });
});
