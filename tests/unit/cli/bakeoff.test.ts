import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import type { BakeoffReport } from '../../../src/lib/eval/bakeoff.ts';
import type { EvaluationReport } from '../../../src/lib/eval/report.ts';

const A = 'tests/fixtures/tiny-bert';
const B = 'tests/fixtures/tiny-bert-b';
const BEIR = 'tests/fixtures/beir';
const work = mkdtempSync(join(tmpdir(), 'attune-bakeoff-cli-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('bakeoff command', () => {
  it('lists each model with the metrics `eval` reports for it alone, ranked by nDCG@10', () => {
    const settings = ['--beir', BEIR, '--seed', '7', '--resamples', '1200'];
    const reportPath = join(work, 'bakeoff.json');
    // The weaker model first: the ranking, not the order given, puts tiny-bert on top.
    const run = runCli('bakeoff', '--models', `${B},${A}`, ...settings, '--report', reportPath);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const report = readJson<BakeoffReport>(reportPath);
    expect(report.models.map((m) => [m.rank, m.model])).toEqual([
      [1, A],
      [2, B],
    ]);

    for (const dir of [A, B]) {
      const alonePath = join(work, `${dir.split('/').pop()}.json`);
      const alone = runCli('eval', '--model', dir, ...settings, '--report', alonePath);
      expect(alone.status).toBe(0);
      // The bake-off ranks on the binary metrics; eval adds trec_eval's graded measures beside them.
      const { dataset, resampling, trec, ...system } = readJson<EvaluationReport>(alonePath);
      expect(trec!.metrics.ndcg_cut_10).toBeGreaterThan(0);
      const { rank, stats, ...entry } = report.models.find((m) => m.model === dir)!;
      expect(entry).toEqual(system);
      expect(report.dataset).toEqual(dataset);
      expect(report.resampling).toEqual(resampling);
      expect(rank).toBe(dir === A ? 1 : 2);
      expect(stats).toMatchObject({
        parameters: 29_280,
        dimension: 32,
        maxTokens: 24,
        // Hand-worked in tests/unit/eval/bakeoff.test.ts (activations, state, backward transients,
        // fragmentation).
        trainingMemory: 20_222_132,
      });
      expect(stats.docsPerSecond).toBeGreaterThan(0);
    }

    // tiny-bert leads by 0.0268 nDCG@10 on 5 queries; the paired test does not call it better.
    expect(report.verdict).toMatchObject({ first: A, second: B, significant: false });
    expect(report.verdict!.difference.mean).toBeCloseTo(
      (report.models[0]['ndcg@10'] as number) - (report.models[1]['ndcg@10'] as number),
      12,
    );
    expect(run.stdout).toContain(
      `The difference between ${A} and ${B} is not significant (ndcg@10 +0.0268`,
    );
    expect(run.stdout.split('\n')[0]).toBe(
      `${BEIR} (test): 12 documents, 5 of 6 queries evaluated (1 without a relevant document dropped)`,
    );
    expect(run.stdout).toMatch(
      new RegExp(`^1  ${A}    0\\.4785 \\[\\d\\.\\d{4}, \\d\\.\\d{4}\\]  0\\.2800  +29,280`, 'm'),
    );
  });

  it('ranks the models it can read, names the folder it cannot, and exits 2', () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    const reportPath = join(work, 'partial.json');
    const run = runCli(
      'bakeoff',
      ...['--models', `${A},${empty},${B}`, '--beir', BEIR, '--report', reportPath],
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `${empty}: ${join(empty, 'config.json')}: is missing from ${empty}`,
    );
    const report = readJson<BakeoffReport>(reportPath);
    expect(report.models.map((m) => m.model)).toEqual([A, B]);
    expect(report.failed).toEqual([
      { model: empty, error: `${join(empty, 'config.json')}: is missing from ${empty}` },
    ]);
  });

  it('refuses one model, six models, the same folder twice, and a missing --models', () => {
    const one = runCli('bakeoff', '--models', A, '--beir', BEIR, '--report', 'x.json');
    expect(one.status).toBe(64);
    expect(one.stderr).toContain('bakeoff: --models expects 2 to 5 comma-separated folders, got 1');
    const six = runCli(
      'bakeoff',
      ...['--models', Array(6).fill(A).join(','), '--beir', BEIR, '--report', 'x.json'],
    );
    expect(six.status).toBe(64);
    expect(six.stderr).toContain('got 6');
    const twice = runCli(
      'bakeoff',
      ...['--models', `${A},${A}`, '--beir', BEIR, '--report', join(work, 'twice.json')],
    );
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain(`bakeoff: "${A}" is a candidate twice`);
    const none = runCli('bakeoff', '--beir', BEIR, '--report', 'x.json');
    expect(none.status).toBe(64);
    expect(none.stderr).toContain('bakeoff: missing --models');
  });
});
