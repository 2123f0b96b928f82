import { writeFile } from 'node:fs/promises';
import { parseFlags, required, type Command } from '../args.ts';
import {
  EVALUATION_FLAGS,
  EVALUATION_FLAGS_USAGE,
  beirTask,
  datasetLine,
  evaluationSettings,
  fixed,
  loadBeir,
  progress,
} from '../beir-eval.ts';
import { initBackend } from '../io.ts';
import { loadPromptedModel } from '../prompt-flags.ts';
import { evaluateModel } from '../../lib/eval/evaluate-model.ts';
import type { ConfidenceInterval } from '../../lib/eval/bootstrap.ts';
import { taskJudgements, type Comparison } from '../../lib/eval/evidence.ts';
import { weightsSha256 } from '../../lib/eval/kit/fingerprint.ts';
import type { KitRun } from '../../lib/eval/kit/kit.ts';
import { beirSha256, writeKit } from '../kit.ts';
import { evaluationReport, type EvaluationReport } from '../../lib/eval/report.ts';
import { RERANK_FLAGS, RERANK_USAGE, rerankSection, rerankSummary } from '../rerank-eval.ts';

const USAGE = `--model DIR --beir DIR --report FILE.json [--split test] [--compare DIR2]
       [--kit DIR] [--batch-size 32] [--resamples 1000] [--seed 0] [--backend auto]

  --model       sentence-transformers folder to evaluate (the base, when comparing)
  --compare     a second model folder (e.g. the fine-tuned one): adds bootstrap intervals of
                the difference and paired randomisation p-values per metric, Holm-adjusted
  --kit         also write the evaluation kit there: TREC qrels and runs, per-query metrics,
                report.html and reproduce.py (python3 reproduce.py recomputes every figure)
${RERANK_USAGE}
${EVALUATION_FLAGS_USAGE}`;

const ci = (c: ConfidenceInterval) => `${fixed(c.mean)} [${fixed(c.lower)}, ${fixed(c.upper)}]`;

/** One table per metric set: each model's interval and, when comparing, the paired test. */
function table(
  title: string,
  base: Record<string, ConfidenceInterval>,
  compared: Record<string, ConfidenceInterval> | undefined,
  tests: Comparison[],
): string[] {
  const rows = Object.entries(base).map(([key, interval]) => {
    const cells = [key.padEnd(13), ci(interval)];
    const c = tests.find((t) => t.metric === key);
    if (compared && c) {
      cells.push(
        ci(compared[key]),
        `${c.difference.mean >= 0 ? '+' : ''}${fixed(c.difference.mean)}`,
        `p=${c.p.toFixed(3)}`,
        `p_holm=${c.pHolm.toFixed(3)}`,
        `d_z=${c.effectSize === null ? '—' : c.effectSize.toFixed(2)}`,
        `${c.wins}/${c.ties}/${c.losses}`,
      );
    }
    return cells.join('  ');
  });
  const header = ['metric'.padEnd(13), 'model [95% CI]'.padEnd(24)];
  if (compared) {
    header.push(
      'compare [95% CI]'.padEnd(24),
      'change'.padEnd(7),
      'paired test, Holm, effect, W/T/L',
    );
  }
  return [title, header.join('  ').trimEnd(), ...rows];
}

function summary(report: EvaluationReport): string {
  const tests = report.comparisons ?? [];
  const bySource = (source: Comparison['source']) => tests.filter((t) => t.source === source);
  const lines = [
    datasetLine(report.dataset),
    ...table(
      'sentence-transformers (binary):',
      report.intervals,
      report.compare?.intervals,
      bySource('sentence-transformers'),
    ),
  ];
  if (report.trec) {
    lines.push(
      ...table(
        'trec_eval 10.0 (graded, every judged query):',
        report.trec.intervals,
        report.compare?.trec?.intervals,
        bySource('trec_eval'),
      ),
    );
  }
  if (tests.length) {
    lines.push(`Holm-adjusted over the ${tests.length} p-values of the comparison.`);
  }
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    ...EVALUATION_FLAGS,
    model: { type: 'string' },
    compare: { type: 'string' },
    ...RERANK_FLAGS,
    kit: { type: 'string' },
  });
  const model = required(flags.model, 'model');
  const beir = required(flags.beir, 'beir');
  const reportPath = required(flags.report, 'report');
  const settings = evaluationSettings(flags);
  const { batchSize, resampling } = settings;

  await initBackend(flags.backend, flags.threads);
  const split = await loadBeir(beir, settings.splitName);
  const task = beirTask(split);
  const weights = new Map<string, string>();
  const evaluate = async (dir: string, label: string) => {
    const loaded = await loadPromptedModel(dir, flags);
    if (flags.kit) weights.set(label, weightsSha256(loaded.weights));
    const evaluation = await evaluateModel(loaded, task, {
      batchSize,
      onProgress: progress(label),
    });
    return evaluation.result;
  };
  const base = await evaluate(model, 'model');
  const tuned = flags.compare ? await evaluate(flags.compare, 'compare') : null;
  const report = evaluationReport({
    task,
    dataset: { name: beir, split: settings.splitName, missingDocIds: split.missingDocIds },
    base: { name: model, result: base },
    compared: tuned && flags.compare ? { name: flags.compare, result: tuned } : null,
    resampling,
  });
  const reranked = await rerankSection(flags, model, base, task, settings);
  await writeFile(reportPath, `${JSON.stringify({ ...report, ...reranked }, null, 2)}\n`);
  console.log(summary(report));
  if (reranked) console.log(rerankSummary(reranked));
  console.log(`report written to ${reportPath}`);
  if (flags.kit) {
    const runs: KitRun[] = [
      { role: 'base', model, rankings: base.rankings, weightsSha256: weights.get('model')! },
    ];
    if (tuned && flags.compare) {
      const weightsHash = weights.get('compare')!;
      runs.push({
        role: 'compared',
        model: flags.compare,
        rankings: tuned.rankings,
        weightsSha256: weightsHash,
      });
    }
    const written = await writeKit(flags.kit, {
      report,
      judgements: taskJudgements(task),
      runs,
      dataset: { sha256: await beirSha256(beir, settings.splitName), splitSeed: null },
      created: new Date().toISOString(),
    });
    console.log(`evaluation kit written to ${flags.kit} (${written.length} files)`);
  }
  return 0;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'retrieval metrics of a model on a BEIR folder, optionally against a second model',
  usage: USAGE,
  run,
};
