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
import { initBackend, loadModelDir } from '../io.ts';
import { evaluateModel } from '../../lib/eval/evaluate-model.ts';
import { evaluationReport, type EvaluationReport } from '../../lib/eval/report.ts';

const USAGE = `--model DIR --beir DIR --report FILE.json [--split test] [--compare DIR2]
       [--batch-size 32] [--resamples 1000] [--seed 0] [--backend auto]

  --model       sentence-transformers folder to evaluate (the base, when comparing)
  --compare     a second model folder (e.g. the fine-tuned one): adds bootstrap intervals of
                the difference and paired randomisation p-values per metric
${EVALUATION_FLAGS_USAGE}`;

function summary(report: EvaluationReport): string {
  const keys = Object.keys(report.intervals);
  const { comparison } = report;
  const rows = keys.map((key) => {
    const base = report.intervals[key];
    const cells = [
      key.padEnd(13),
      `${fixed(base.mean)} [${fixed(base.lower)}, ${fixed(base.upper)}]`,
    ];
    if (comparison) {
      const c = comparison[key];
      cells.push(
        `${fixed(c.tuned.mean)} [${fixed(c.tuned.lower)}, ${fixed(c.tuned.upper)}]`,
        `${c.difference.mean >= 0 ? '+' : ''}${fixed(c.difference.mean)}`,
        `p=${c.pValue.toFixed(3)}`,
      );
    }
    return cells.join('  ');
  });
  const header = ['metric'.padEnd(13), 'model [95% CI]'.padEnd(24)];
  if (comparison) header.push('compare [95% CI]'.padEnd(24), 'change'.padEnd(7), 'p (paired)');
  return [datasetLine(report.dataset), header.join('  ').trimEnd(), ...rows].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    ...EVALUATION_FLAGS,
    model: { type: 'string' },
    compare: { type: 'string' },
  });
  const model = required(flags.model, 'model');
  const beir = required(flags.beir, 'beir');
  const reportPath = required(flags.report, 'report');
  const settings = evaluationSettings(flags);
  const { batchSize, resampling } = settings;

  await initBackend(flags.backend);
  const split = await loadBeir(beir, settings.splitName);
  const task = beirTask(split);
  const evaluate = async (dir: string, label: string) =>
    (
      await evaluateModel(await loadModelDir(dir), task, {
        batchSize,
        onProgress: progress(label),
      })
    ).result;
  const base = { name: model, result: await evaluate(model, 'model') };
  const compared = flags.compare
    ? { name: flags.compare, result: await evaluate(flags.compare, 'compare') }
    : null;
  const report = evaluationReport({
    task,
    dataset: { name: beir, split: settings.splitName, missingDocIds: split.missingDocIds },
    base,
    compared,
    resampling,
  });
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(summary(report));
  console.log(`report written to ${reportPath}`);
  return 0;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'retrieval metrics of a model on a BEIR folder, optionally against a second model',
  usage: USAGE,
  run,
};
