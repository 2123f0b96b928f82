import { pairsCsv } from '../../lib/data/pairs-csv.ts';
import {
  miningStatistics,
  type Distribution,
  type MiningStatistics,
} from '../../lib/mine/statistics.ts';
import { parseCorpus } from '../../lib/mine/corpus.ts';
import {
  DEFAULT_MINING_OPTIONS,
  MiningOptionsError,
  planMining,
  renameOptions,
  type MiningOptions,
  type MiningPlan,
} from '../../lib/mine/options.ts';
import { rankForMining } from '../../lib/mine/rank.ts';
import { mineHardNegatives } from '../../lib/mine/select.ts';
import { miningTask } from '../../lib/mine/task.ts';
import { minedPairs } from '../../lib/mine/version.ts';
import { rescoreForMining, rescores } from '../../lib/mine/rescore.ts';
import type { MiningInput } from '../../lib/mine/select.ts';
import { SentenceEncoder } from '../../lib/model/encoder.ts';
import { CliError, countFlag, numberFlag, parseFlags, required, type Command } from '../args.ts';
import { loadCrossEncoderDir } from '../cross-encoder-dir.ts';
import { miningReview } from '../../lib/mine/review.ts';
import {
  BACKEND_FLAG,
  BACKEND_USAGE,
  initBackend,
  readPairsFile,
  readText,
  writeOutput,
} from '../io.ts';
import {
  loadPromptedModel,
  RETRIEVAL_PROMPT_FLAGS,
  RETRIEVAL_PROMPT_USAGE,
} from '../prompt-flags.ts';
import { retrievalPrompts } from '../../lib/model/prompts.ts';

const USAGE = `--model DIR --data FILE --out FILE.csv [options]

  --model DIR             sentence-transformers folder that ranks the corpus (base or fine-tuned)
  --data FILE             CSV/TSV/JSONL of query (or anchor), positive, optional negative columns
  --out FILE.csv          receives query,positive,negative_1..negative_n
  --corpus FILE           more candidate documents: a BEIR corpus.jsonl, or one per line
  --num-negatives 3       negatives per row
  --relative-margin 0.05  drop candidates scoring above positive − |positive|·m ("none": off)
  --absolute-margin X     drop candidates with score + X > positive
  --max-score X           drop candidates scoring above X
  --min-score X           drop candidates scoring below X
  --range-min 0           skip the first N candidates left after the filters
  --range-max N           look no further than the N-th candidate (default: as the reference)
  --sampling top          top (the hardest) or random (a seeded sample of those in range)
  --seed 42               seed of random sampling
  --batch-size 32         texts per embedding batch
  --cross-encoder DIR     rescore the candidates and positives with this cross-encoder
                          (a BertForSequenceClassification folder); the filters and the order
                          then use its scores, as mine_hard_negatives(…, cross_encoder=…)
  --review FILE.json      per query: the positive, the kept negatives and every candidate a
                          filter dropped with its reason, each with its score(s)
${RETRIEVAL_PROMPT_USAGE}
${BACKEND_USAGE}

Rows whose query gets fewer than --num-negatives negatives are left out, as sentence-transformers'
mine_hard_negatives leaves them out of its n-tuple output.`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  corpus: { type: 'string' },
  'num-negatives': { type: 'string' },
  'relative-margin': { type: 'string' },
  'absolute-margin': { type: 'string' },
  'max-score': { type: 'string' },
  'min-score': { type: 'string' },
  'range-min': { type: 'string' },
  'range-max': { type: 'string' },
  sampling: { type: 'string' },
  seed: { type: 'string' },
  'batch-size': { type: 'string' },
  'cross-encoder': { type: 'string' },
  review: { type: 'string' },
  ...RETRIEVAL_PROMPT_FLAGS,
  ...BACKEND_FLAG,
} as const;

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

/** The flag of each option, so that an options error names what the user typed. */
const FLAGS_OF: Partial<Record<keyof MiningOptions, string>> = {
  numNegatives: '--num-negatives',
  rangeMin: '--range-min',
  rangeMax: '--range-max',
  relativeMargin: '--relative-margin',
  absoluteMargin: '--absolute-margin',
  maxScore: '--max-score',
  minScore: '--min-score',
  seed: '--seed',
};

function optionsFrom(flags: Flags): Partial<MiningOptions> {
  const d = DEFAULT_MINING_OPTIONS;
  const optional = (flag: keyof Flags) => {
    const value = flags[flag] as string | undefined;
    return value === undefined ? null : numberFlag(value, flag, 0);
  };
  const sampling = flags.sampling ?? d.sampling;
  if (sampling !== 'top' && sampling !== 'random')
    throw new CliError(`--sampling expects top or random, got "${sampling}"`);
  const relative = flags['relative-margin'];
  return {
    numNegatives: numberFlag(flags['num-negatives'], 'num-negatives', d.numNegatives),
    rangeMin: numberFlag(flags['range-min'], 'range-min', d.rangeMin),
    rangeMax: optional('range-max'),
    relativeMargin:
      relative === 'none' ? null : numberFlag(relative, 'relative-margin', d.relativeMargin ?? 0),
    absoluteMargin: optional('absolute-margin'),
    maxScore: optional('max-score'),
    minScore: optional('min-score'),
    sampling,
    seed: numberFlag(flags.seed, 'seed', d.seed),
  };
}

async function readCorpus(path: string): Promise<string[]> {
  return parseCorpus(await readText(path), path);
}

const SKIP_LABELS = {
  positive: 'the positive itself',
  duplicate: 'a repeated text',
  absoluteMargin: 'absolute_margin',
  relativeMargin: 'relative_margin',
  maxScore: 'max_score',
  minScore: 'min_score',
  rangeMin: 'range_min',
} as const;

/** The reference's summary: distributions side by side, then what was skipped. */
function summary(stats: MiningStatistics): string {
  const rows: [string, (d: Distribution) => string][] = [
    ['count', (d) => String(d.count)],
    ['mean', (d) => d.mean.toFixed(4)],
    ['std', (d) => d.std.toFixed(4)],
    ['min', (d) => d.min.toFixed(4)],
    ['25%', (d) => d.q25.toFixed(4)],
    ['50%', (d) => d.median.toFixed(4)],
    ['75%', (d) => d.q75.toFixed(4)],
    ['max', (d) => d.max.toFixed(4)],
  ];
  const columns = [stats.positive, stats.negative, stats.difference];
  const cell = (d: Distribution | null, f: (d: Distribution) => string) => (d ? f(d) : '—');
  const lines = [
    `${'metric'.padEnd(8)}${['positive', 'negative', 'difference'].map((h) => h.padStart(12)).join('')}`,
    ...rows.map(
      ([name, f]) => `${name.padEnd(8)}${columns.map((d) => cell(d, f).padStart(12)).join('')}`,
    ),
  ];
  for (const [key, label] of Object.entries(SKIP_LABELS)) {
    const n = stats.skipped[key as keyof typeof SKIP_LABELS];
    if (n && key !== 'positive')
      lines.push(
        `skipped ${n} of ${stats.candidates} candidates (${((100 * n) / stats.candidates).toFixed(2)}%): ${label}`,
      );
  }
  if (stats.short)
    lines.push(
      `${stats.short} of ${stats.queries} queries got fewer negatives than asked; consider a larger ` +
        `range_max, or a smaller range_min, margin or num_negatives`,
    );
  return lines.join('\n');
}

function progress(stage: string, done: number, total: number): void {
  const line = `${stage === 'ranking' || stage === 'rescoring' ? stage : `embedding ${stage}`} ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
}

/**
 * The input with the cross-encoder's scores when `--cross-encoder` names one and a filter is set;
 * sentence-transformers leaves the cross-encoder unused otherwise, and so do we, saying so.
 */
async function rescored(
  dir: string | undefined,
  input: MiningInput,
  queries: string[],
  plan: MiningPlan,
  batchSize: number,
): Promise<MiningInput> {
  if (dir === undefined) return input;
  if (!rescores(plan)) {
    console.warn(
      'no margin, --max-score or --min-score is set: the cross-encoder would change nothing, so it is not run (as in sentence-transformers)',
    );
    return input;
  }
  const crossEncoder = await loadCrossEncoderDir(dir);
  console.log(`rescoring the candidates with the cross-encoder ${dir}`);
  return rescoreForMining(crossEncoder, input, queries, plan.window, {
    batchSize,
    onProgress: (done, total) => progress('rescoring', done, total),
  }).finally(() => crossEncoder.dispose());
}

export const mine: Command = {
  name: 'mine',
  summary: 'Mine hard negatives for pairs with a model; write query,positive,negative_1..n CSV',
  usage: USAGE,
  async run(argv) {
    const flags = parseFlags(argv, FLAGS);
    const modelDir = required(flags.model, 'model');
    const dataPath = required(flags.data, 'data');
    const outPath = required(flags.out, 'out');
    const options = optionsFrom(flags);
    const batchSize = countFlag(flags['batch-size'], 'batch-size', 32);
    try {
      const pairs = await readPairsFile(dataPath);
      const extraCorpus = flags.corpus ? await readCorpus(flags.corpus) : [];
      const task = miningTask(pairs, { extraCorpus });
      const plan = planMining(
        options,
        task.positives.reduce((m, p) => Math.max(m, p.length), 0),
      );
      const backend = await initBackend(flags.backend, flags.threads);
      const encoder = new SentenceEncoder(await loadPromptedModel(modelDir, flags));
      console.log(
        `mining ${plan.numNegatives} negatives for ${task.queries.length} queries among ` +
          `${task.corpus.length} documents (${backend})`,
      );
      const input = await rankForMining(encoder, task, plan.window, {
        batchSize,
        prompts: retrievalPrompts(encoder.model.prompts),
        onProgress: progress,
      }).finally(() => encoder.dispose());
      const decided = await rescored(flags['cross-encoder'], input, task.queries, plan, batchSize);
      const result = mineHardNegatives(decided, options);
      const mined = minedPairs(pairs, task, result);
      await writeOutput(outPath, pairsCsv(mined.pairs, { negatives: plan.numNegatives }));
      if (flags.review)
        await writeOutput(
          flags.review,
          JSON.stringify(miningReview(decided, task.queries, result), null, 1),
        );
      console.log(summary(miningStatistics(decided, result)));
      console.log(
        `wrote ${mined.pairs.length} rows to ${outPath}` +
          (mined.dropped ? ` (${mined.dropped} rows left out: too few negatives)` : ''),
      );
      return 0;
    } catch (e) {
      if (e instanceof MiningOptionsError) throw new CliError(renameOptions(e.message, FLAGS_OF));
      throw e;
    }
  },
};
