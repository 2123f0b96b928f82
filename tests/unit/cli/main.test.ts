import { runCli } from '../../support/cli.ts';
import { describe, expect, it } from 'vitest';

const cli = runCli;

describe('cli', () => {
  it('prints help listing the commands', () => {
    const out = runCli('--help').stdout;
    expect(out).toContain('Usage: npm run cli -- <command> [options]');
  });

  it('refuses an unknown command with exit 64 and names it', () => {
    const r = cli('frobnicate');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('Unknown command "frobnicate"');
  });
});
