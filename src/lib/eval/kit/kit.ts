/**
 * The evaluation kit: what someone who did not run the evaluation needs to check it.
 *
 *   manifest.json   {"qrels", "runs": [{"role", "model", "file", "trec": {measure: mean}}],
 *                    "html", "reproduce", "perQuery"}
 *   qrels.txt       every judgement, grade 0 included (TREC qrels format)
 *   runs/<role>.txt each system's top documents per query (TREC run format)
 *   per-query.tsv   every metric of every query under both systems
 *   report.html     the self-contained report, with its figures embedded as JSON
 *   reproduce.py    recomputes every figure from qrels.txt and the runs (Python 3 + numpy)
 *
 * The same files come out of `eval --kit DIR` and the Evaluate page's zip.
 */
import type { ScoredDoc } from '../metrics.ts';
import type { EvaluationReport, SystemReport } from '../report.ts';
import { TREC_MEASURES, type Judgements } from '../trec.ts';
import { kitFigures, SOURCES, type KitMethod, type Role } from './figures.ts';
import { reportHtml } from './report-html.ts';
import { REPRODUCE_PY } from './reproduce-py.ts';
import { qrelsText, runTag, runText } from './trec-files.ts';

export const KIT_FILES = Object.freeze({
  manifest: 'manifest.json',
  qrels: 'qrels.txt',
  html: 'report.html',
  reproduce: 'reproduce.py',
  perQuery: 'per-query.tsv',
});

/** Documents per query in a run file: the deepest cut-off of either metric set. */
export const RUN_DEPTH = 100;

export interface KitRun {
  role: Role;
  /** How the report names the model. */
  model: string;
  /** Query id → its ranking, best first (`RetrievalResult.rankings`). */
  rankings: ReadonlyMap<string, readonly ScoredDoc[]>;
  weightsSha256: string | null;
}

export interface KitInput {
  /** With `trec` on each system and, when comparing, `comparisons` (`addEvidence`). */
  report: EvaluationReport;
  judgements: Judgements;
  /** The base first, then the compared model when there is one. */
  runs: readonly KitRun[];
  dataset: { sha256: string | null; splitSeed: number | null };
  /** ISO 8601. */
  created: string;
}

export interface KitManifest {
  qrels: string;
  runs: { role: Role; model: string; file: string; trec: Record<string, number> }[];
  html: string;
  reproduce: string;
  perQuery: string;
}

const runFile = (role: Role) => `runs/${role}.txt`;

function perQueryTsv(systems: [Role, SystemReport][]): string {
  const [, base] = systems[0];
  const binaryKeys = Object.keys(base.intervals);
  const header = [
    'role',
    'query',
    ...binaryKeys.map((k) => `${SOURCES[0]} ${k}`),
    ...TREC_MEASURES.map((k) => `${SOURCES[1]} ${k}`),
  ];
  const lines = [header.join('\t')];
  for (const [role, system] of systems) {
    for (const [queryId, graded] of Object.entries(system.trec!.perQuery)) {
      const binary = system.perQuery[queryId];
      lines.push(
        [
          role,
          queryId,
          ...binaryKeys.map((k) => (binary ? String(binary[k]) : '')),
          ...TREC_MEASURES.map((k) => String(graded[k])),
        ].join('\t'),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Path → text of every file of the kit. */
export function evaluationKit(input: KitInput): Map<string, string> {
  const { report } = input;
  const systems: [Role, SystemReport][] = [['base', report]];
  if (report.compare) systems.push(['compared', report.compare]);
  if (input.runs.length !== systems.length) {
    throw new Error(`${input.runs.length} runs for a report of ${systems.length} systems`);
  }
  const method: KitMethod = {
    dataset: { ...report.dataset, ...input.dataset },
    models: input.runs.map(({ role, model, weightsSha256 }) => ({ role, model, weightsSha256 })),
    resampling: report.resampling,
    depth: RUN_DEPTH,
    created: input.created,
  };
  const figures = kitFigures(report, method);
  const manifest: KitManifest = {
    qrels: KIT_FILES.qrels,
    runs: input.runs.map((run, i) => ({
      role: run.role,
      model: run.model,
      file: runFile(run.role),
      trec: systems[i][1].trec!.metrics,
    })),
    html: KIT_FILES.html,
    reproduce: KIT_FILES.reproduce,
    perQuery: KIT_FILES.perQuery,
  };
  const files = new Map<string, string>([
    [KIT_FILES.manifest, `${JSON.stringify(manifest, null, 2)}\n`],
    [KIT_FILES.qrels, qrelsText(input.judgements)],
  ]);
  for (const run of input.runs) {
    files.set(runFile(run.role), runText(run.rankings, runTag(run.model), RUN_DEPTH));
  }
  files.set(KIT_FILES.perQuery, perQueryTsv(systems));
  files.set(KIT_FILES.html, reportHtml(figures));
  files.set(KIT_FILES.reproduce, REPRODUCE_PY);
  return files;
}
