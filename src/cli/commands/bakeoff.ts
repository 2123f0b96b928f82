import { writeFile } from 'node:fs/promises';
import { CliError, EXIT, parseFlags, required, type Command } from '../args.ts';
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
import {
  MAX_CANDIDATES,
  MIN_CANDIDATES,
  runBakeoff,
  verdictText,
  type BakeoffReport,
} from '../../lib/eval/bakeoff.ts';
import { MEMORY_STEP } from '../../lib/eval/evaluate-model.ts';
import { formatBytes } from '../../lib/util/format.ts';

const USAGE = `--models DIR1,DIR2[,...] --beir DIR --report FILE.json [--split test]
       [--batch-size 32] [--resamples 1000] [--seed 0] [--backend auto]

  --models      ${MIN_CANDIDATES} to ${MAX_CANDIDATES} sentence-transformers folders, comma-separated: each is
                evaluated zero-shot exactly as \`eval --model\` evaluates it, then they are ranked
                by nDCG@10 and the top two get a paired randomisation test
${EVALUATION_FLAGS_USAGE}`;

function summary(report: BakeoffReport): string {
  const width = Math.max(5, ...report.models.map((m) => m.model.length));
  const header = [
    '#',
    'model'.padEnd(width),
    'ndcg@10 [95% CI]'.padEnd(23),
    'mrr@10'.padEnd(6),
    'params'.padStart(11),
    'dim'.padStart(5),
    'tokens'.padStart(6),
    'docs/s'.padStart(8),
    `memory (batch ${MEMORY_STEP.batchSize})`,
  ];
  const rows = report.models.map((m) => {
    const ci = m.intervals['ndcg@10'];
    return [
      String(m.rank),
      m.model.padEnd(width),
      `${fixed(ci.mean)} [${fixed(ci.lower)}, ${fixed(ci.upper)}]`,
      fixed(m['mrr@10'] as number),
      m.stats.parameters.toLocaleString('en-US').padStart(11),
      String(m.stats.dimension).padStart(5),
      String(m.stats.maxTokens).padStart(6),
      (m.stats.docsPerSecond === null ? '—' : m.stats.docsPerSecond.toFixed(1)).padStart(8),
      formatBytes(m.stats.trainingMemory),
    ].join('  ');
  });
  return [
    datasetLine(report.dataset),
    header.join('  '),
    ...rows,
    ...report.failed.map((f) => `failed: ${f.model}: ${f.error}`),
    report.verdict ? verdictText(report.verdict) : 'Fewer than two models were evaluated.',
  ].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { ...EVALUATION_FLAGS, models: { type: 'string' } });
  const dirs = required(flags.models, 'models')
    .split(',')
    .map((dir) => dir.trim())
    .filter((dir) => dir !== '');
  const beir = required(flags.beir, 'beir');
  const reportPath = required(flags.report, 'report');
  const settings = evaluationSettings(flags);
  if (dirs.length < MIN_CANDIDATES || dirs.length > MAX_CANDIDATES) {
    throw new CliError(
      `--models expects ${MIN_CANDIDATES} to ${MAX_CANDIDATES} comma-separated folders, got ${dirs.length}`,
    );
  }

  await initBackend(flags.backend, flags.threads);
  const split = await loadBeir(beir, settings.splitName);
  let onStage = progress(dirs[0]);
  const { report } = await runBakeoff(
    dirs.map((dir) => ({ name: dir, load: () => loadPromptedModel(dir, flags) })),
    {
      task: beirTask(split),
      dataset: { name: beir, split: settings.splitName, missingDocIds: split.missingDocIds },
      batchSize: settings.batchSize,
      resampling: settings.resampling,
      onEvent: (e) => {
        if (e.type === 'loading') onStage = progress(dirs[e.candidate]);
        else if (e.type === 'progress') onStage(e.stage, e.done, e.total);
        else if (e.type === 'failed') console.error(`${dirs[e.candidate]}: ${e.error}`);
      },
    },
  );
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(summary(report));
  console.log(`report written to ${reportPath}`);
  // A folder that could not be evaluated is the user's to fix, even when the others ranked.
  return report.failed.length > 0 ? EXIT.input : 0;
}

export const bakeoff: Command = {
  name: 'bakeoff',
  summary: 'rank 2–5 candidate base models on a BEIR folder, with intervals and a paired test',
  usage: USAGE,
  run,
};
