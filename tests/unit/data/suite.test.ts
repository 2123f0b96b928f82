import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src/lib/data/errors.ts';
import {
  DatasetParser,
  parseDataset,
  parseDatasetStream,
  type DatasetParserOptions,
} from '../../../src/lib/data/parser.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { summariseReport, type DatasetReport } from '../../../src/lib/data/report.ts';
import { cases, fixtureBytes, FIXTURES, type FixtureCase } from './fixtures.ts';

interface Outcome {
  report: DatasetReport;
  pairs: TrainingPair[];
}

/** Runs a parse, turning a refusal into its report (as the CLI does). */
function outcome(run: () => Outcome): Outcome {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof DatasetError) || !e.report) throw e;
    return { report: e.report, pairs: [] };
  }
}

function inChunks(bytes: Uint8Array, size: number, options: DatasetParserOptions): Outcome {
  const parser = new DatasetParser(options);
  const pairs: TrainingPair[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    pairs.push(...parser.push(bytes.subarray(at, at + size)));
  }
  pairs.push(...parser.finish());
  return { report: parser.report(), pairs };
}

const optionsOf = (c: FixtureCase): DatasetParserOptions => ({ fileName: c.file, ...c.options });

/** `npx tsx src/cli/main.ts validate …`, resolving with the exit code and stdout. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/cli/main.ts', 'validate', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'attune-data-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the bad-input suite', () => {
  it('has at least 15 files, each with a distinct name', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(new Set(cases.map((c) => c.file)).size).toBe(cases.length);
  });

  describe.each(cases)('$file: $about', (c) => {
    const bytes = fixtureBytes(c.file);

    it('gives exactly the expected report and pairs', () => {
      const { report, pairs } = outcome(() => parseDataset(bytes, optionsOf(c)));
      expect(report).toEqual(c.report);
      if (c.pairs) expect(pairs).toEqual(c.pairs);
    });

    it('gives the same result fed one byte, or seven bytes, at a time', () => {
      const whole = outcome(() => parseDataset(bytes, optionsOf(c)));
      expect(outcome(() => inChunks(bytes, 1, optionsOf(c)))).toEqual(whole);
      expect(outcome(() => inChunks(bytes, 7, optionsOf(c)))).toEqual(whole);
    });

    it('gives the same report through the CLI, with exit code 0 only when a row is accepted', async () => {
      const reportPath = join(work, `${c.file}.report.json`);
      const flags = c.options?.maxChars ? ['--max-chars', String(c.options.maxChars)] : [];
      const run = await cli(['--data', join(FIXTURES, c.file), '--report', reportPath, ...flags]);
      expect(run.stderr.replace(/^npm warn .*\n/gm, '')).toBe('');
      expect(run.code).toBe(c.exitCode);
      expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toEqual(c.report);
      expect(run.stdout).toBe(`${summariseReport(c.report)} Report written to ${reportPath}.\n`);
    });
  });
});

describe('validate command errors', () => {
  it('exits 64 naming the problem for a missing file or a bad --max-chars', async () => {
    const report = join(work, 'unused.json');
    const missing = await cli(['--data', join(work, 'nope.csv'), '--report', report]);
    expect([missing.code, missing.stderr.replace(/^npm warn .*\n/gm, '')]).toEqual([
      64,
      `validate: --data: no such file: ${join(work, 'nope.csv')}\n`,
    ]);
    const clean = join(FIXTURES, 'clean.csv');
    const zero = await cli(['--data', clean, '--report', report, '--max-chars', '0']);
    expect([zero.code, zero.stderr.replace(/^npm warn .*\n/gm, '')]).toEqual([
      64,
      'validate: --max-chars expects a whole number of at least 1, got "0"\n',
    ]);
  });
});

describe('a 10 MB single cell', () => {
  const TEN_MB = 10 * 1024 * 1024;
  const cell = 'x'.repeat(TEN_MB);
  const text = `query,positive\nm6 bolt,"${cell}"\nm8 bolt,Hex bolt M8\n`;
  const bytes = new TextEncoder().encode(text);

  it('is read whole when no maxChars is set', () => {
    const { report, pairs } = parseDataset(bytes, { fileName: 'huge.csv' });
    expect(report.accepted).toBe(2);
    expect(report.warnings).toEqual([]);
    expect(pairs[0].positive.length).toBe(TEN_MB);
    expect(pairs[1]).toEqual({ query: 'm8 bolt', positive: 'Hex bolt M8', negatives: [] });
  });

  it('is cut to maxChars and flagged, in 64 KB chunks as a worker streams it', async () => {
    const chunks = (async function* () {
      for (let at = 0; at < bytes.length; at += 65536) yield bytes.subarray(at, at + 65536);
    })();
    const pairs: TrainingPair[] = [];
    const report = await parseDatasetStream(chunks, {
      fileName: 'huge.csv',
      maxChars: 512,
      onPairs: (batch) => void pairs.push(...batch),
    });
    expect(report.warnings).toEqual([
      {
        line: 2,
        kind: 'truncated',
        message: '"positive" has 10,485,760 characters; truncated to 512',
      },
    ]);
    expect(pairs.map((p) => p.positive.length)).toEqual([512, 11]);
    expect(report.rejected).toEqual([]);
  });

  it('goes through the CLI with --max-chars', async () => {
    const file = join(work, 'huge.csv');
    writeFileSync(file, bytes);
    const reportPath = join(work, 'huge.report.json');
    const run = await cli(['--data', file, '--report', reportPath, '--max-chars', '512']);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect([report.rows, report.accepted, report.rejected, report.warnings]).toEqual([
      2,
      2,
      [],
      [
        {
          line: 2,
          kind: 'truncated',
          message: '"positive" has 10,485,760 characters; truncated to 512',
        },
      ],
    ]);
  });
});
