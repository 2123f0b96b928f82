import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import type { Comparison } from '../../../src/lib/eval/evidence.ts';
import type { KitManifest } from '../../../src/lib/eval/kit/kit.ts';
import type { EvaluationReport } from '../../../src/lib/eval/report.ts';

/** The BEIR fixture with grades 0–3 (tests/fixtures/beir-graded/qrels/test.tsv). */
const BEIR = 'tests/fixtures/beir-graded';
const BASE = 'tests/fixtures/tiny-bert';
const work = mkdtempSync(join(tmpdir(), 'attune-kit-'));
const TUNED = join(work, 'tuned');
const KIT = join(work, 'kit');
const BASE_KIT = join(work, 'base-kit');

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const reproduce = (dir: string) =>
  spawnSync('python3', ['-I', join(dir, 'reproduce.py')], { encoding: 'utf8' });

let report: EvaluationReport;
let manifest: KitManifest;

beforeAll(() => {
  cpSync(BASE, TUNED, { recursive: true });
  copyFileSync('tests/fixtures/tiny-bert.trained.safetensors', join(TUNED, 'model.safetensors'));
  const run = runCli(
    ...['eval', '--model', BASE, '--compare', TUNED, '--beir', BEIR],
    ...['--report', join(work, 'report.json'), '--kit', KIT],
  );
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(`evaluation kit written to ${KIT} (7 files)`);
  report = JSON.parse(read(work, 'report.json')) as EvaluationReport;
  manifest = JSON.parse(read(KIT, 'manifest.json')) as KitManifest;
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('eval --kit', () => {
  it('writes the manifest, the graded qrels and one top-100 run per model', () => {
    expect(manifest).toEqual({
      qrels: 'qrels.txt',
      runs: [
        { role: 'base', model: BASE, file: 'runs/base.txt', trec: report.trec!.metrics },
        {
          role: 'compared',
          model: TUNED,
          file: 'runs/compared.txt',
          trec: report.compare!.trec!.metrics,
        },
      ],
      html: 'report.html',
      reproduce: 'reproduce.py',
      perQuery: 'per-query.tsv',
    });
    // every qrels row, grade 0 and 3 included, in trec_eval's `qid 0 docid rel`
    const qrels = read(KIT, 'qrels.txt').trim().split('\n');
    expect(qrels).toHaveLength(14);
    expect(qrels).toContain('q1 0 d1 3');
    expect(qrels).toContain('q6 0 d12 0');
    // the corpus has 12 documents: every query's whole ranking, `qid Q0 docid rank score tag`
    const run = read(KIT, 'runs/base.txt').trim().split('\n');
    expect(run).toHaveLength(6 * 12);
    expect(run[0]).toMatch(/^q1 Q0 d\d+ 1 -?\d\.\d+(e-?\d+)? tests_fixtures_tiny-bert$/);
  });

  it('reports both metric sets and a Holm-adjusted family of paired tests', () => {
    // trec_eval keeps q6 (judged, nothing relevant) at 0; sentence-transformers drops it
    expect(Object.keys(report.trec!.perQuery)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
    expect(report.trec!.perQuery.q6).toEqual({
      ndcg_cut_10: 0,
      P_10: 0,
      recall_100: 0,
      map_cut_100: 0,
      recip_rank: 0,
    });
    expect(Object.keys(report.perQuery)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);

    const family: Comparison[] = report.comparisons!;
    expect(family.map((c) => `${c.source} ${c.metric}`)).toEqual([
      ...Object.keys(report.intervals).map((k) => `sentence-transformers ${k}`),
      ...['ndcg_cut_10', 'P_10', 'recall_100', 'map_cut_100', 'recip_rank'].map(
        (k) => `trec_eval ${k}`,
      ),
    ]);
    // Holm by hand: the j-th smallest of m p-values times m − j + 1, running maximum, capped at 1
    const sorted = [...family].sort((a, b) => a.p - b.p);
    let running = 0;
    for (const [j, c] of sorted.entries()) {
      running = Math.max(running, Math.min(1, (family.length - j) * c.p));
      expect(c.pHolm, `${c.source} ${c.metric}`).toBeCloseTo(running, 15);
      expect(c.significant).toBe(c.pHolm < 0.05);
      expect(c.wins + c.ties + c.losses).toBe(c.source === 'trec_eval' ? 6 : 5);
    }
    const ndcg = family.find((c) => c.metric === 'ndcg@10')!;
    expect(ndcg.p).toBe(report.comparison!['ndcg@10'].pValue);
    expect(ndcg.difference).toEqual(report.comparison!['ndcg@10'].difference);
  });

  it('writes a report.html that loads nothing from anywhere else', () => {
    const html = read(KIT, 'report.html');
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(|@import|<link|<iframe|<img/i);
    // the one script element holds data, not code
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="application/json" id="figures">']);
    expect(html).toContain(
      '<svg role="img" aria-label="Difference of every metric with its interval"',
    );
    expect(html).toContain('<h2>Biggest regressions</h2>');
    const figures = JSON.parse(/id="figures">(.*?)<\/script>/s.exec(html)![1]);
    expect(figures.systems.compared.trec_eval.ndcg_cut_10.mean).toBe(
      report.compare!.trec!.metrics.ndcg_cut_10,
    );
    expect(figures.method.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(figures.method.models.map((m: { weightsSha256: string }) => m.weightsSha256)).toEqual([
      expect.stringMatching(/^[0-9a-f]{64}$/),
      expect.stringMatching(/^[0-9a-f]{64}$/),
    ]);
  });

  it('is reproduced by reproduce.py with Python 3 and numpy alone', () => {
    const run = reproduce(KIT);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('reproduced\n');
    expect(run.status).toBe(0);
  });

  it('fails reproduce.py, naming the figure, when one line of a run is edited', () => {
    const tampered = join(work, 'tampered');
    cpSync(KIT, tampered, { recursive: true });
    // the compared model's first relevant document of a query it does not rank first,
    // moved to the top: that query's recip_rank becomes 1, so the mean in the report is wrong
    const trec = report.compare!.trec!.perQuery;
    const qid = Object.keys(trec).find((q) => trec[q].recip_rank > 0 && trec[q].recip_rank < 1)!;
    const judged = read(BEIR, 'qrels/test.tsv')
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([q, , g]) => q === qid && Number(g) >= 1)
      .map(([, d]) => d);
    const lines = read(tampered, 'runs/compared.txt').split('\n');
    const at = lines.findIndex(
      (l) => l.startsWith(`${qid} Q0 `) && judged.includes(l.split(' ')[2]),
    );
    const fields = lines[at].split(' ');
    fields[4] = '9';
    lines[at] = fields.join(' ');
    writeFileSync(join(tampered, 'runs/compared.txt'), lines.join('\n'));

    const run = reproduce(tampered);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('reproduced');
    expect(run.stdout).toMatch(
      /^mismatch: systems > compared > trec_eval > recip_rank > mean: report \d\.\d+, recomputed \d\.\d+$/m,
    );
    expect(run.stdout).toContain(
      'mismatch: manifest > runs/compared.txt > trec > recip_rank: report ',
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `^mismatch: per-query > per-query.tsv > compared > trec_eval > ${qid} > recip_rank: report [\\d.]+, recomputed 1$`,
        'm',
      ),
    );
  });

  it('writes a kit of one model that reproduce.py also reproduces', () => {
    const run = runCli(
      ...['eval', '--model', BASE, '--beir', BEIR, '--report', join(work, 'base.json')],
      ...['--kit', BASE_KIT],
    );
    expect(run.status).toBe(0);
    const single = JSON.parse(read(BASE_KIT, 'manifest.json')) as KitManifest;
    expect(single.runs.map((r) => r.role)).toEqual(['base']);
    expect(read(BASE_KIT, 'report.html')).not.toContain('Paired tests');
    expect(reproduce(BASE_KIT).stdout).toBe('reproduced\n');
  }, 60_000);
});
