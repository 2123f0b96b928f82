import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CliError, numberFlag, parseFlags, required, type Command } from '../args.ts';
import { directorySource } from '../fs-source.ts';
import {
  BeirFormatError,
  beirSplit,
  documentText,
  parseBeirCorpus,
  parseBeirQrels,
  parseBeirQueries,
  type BeirSplit,
} from '../../lib/data/beir.ts';
import { DEFAULT_RESAMPLING } from '../../lib/eval/bootstrap.ts';
import { compareSystems, metricIntervals } from '../../lib/eval/compare.ts';
import { NoRelevantQueriesError, type RetrievalMetrics } from '../../lib/eval/metrics.ts';
import { systemReport, type EvaluationReport } from '../../lib/eval/report.ts';
import {
  RetrievalTaskError,
  evaluateRetrieval,
  type RetrievalStage,
} from '../../lib/eval/retrieval.ts';
import { SentenceEncoder } from '../../lib/model/encoder.ts';
import { ModelFormatError } from '../../lib/model/errors.ts';
import { loadSentenceModel } from '../../lib/model/folder.ts';

const USAGE = `--model DIR --beir DIR --report FILE.json [--split test] [--compare DIR2]
       [--batch-size 32] [--resamples 1000] [--seed 0]

  --model       sentence-transformers folder to evaluate (the base, when comparing)
  --beir        BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv
  --split       which qrels file to use (default test)
  --compare     a second model folder (e.g. the fine-tuned one): adds bootstrap intervals of
                the difference and paired randomisation p-values per metric
  --report      where to write the JSON report
  --batch-size  texts per embedding batch (default 32)
  --resamples   bootstrap and permutation resamples (default 1000)
  --seed        seed of the resampling (default 0)`;

/** Errors that describe the user's files, shown as plain messages (exit 65, bad input data). */
const DATA_ERRORS = [BeirFormatError, ModelFormatError, NoRelevantQueriesError, RetrievalTaskError];

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${path} not found`, 66);
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, 66);
  }
}

async function loadBeir(dir: string, split: string): Promise<BeirSplit> {
  const files = {
    corpus: join(dir, 'corpus.jsonl'),
    queries: join(dir, 'queries.jsonl'),
    qrels: join(dir, 'qrels', `${split}.tsv`),
  };
  const [corpus, queries, qrels] = await Promise.all([
    readText(files.corpus),
    readText(files.queries),
    readText(files.qrels),
  ]);
  return beirSplit(
    parseBeirCorpus(corpus, files.corpus),
    parseBeirQueries(queries, files.queries),
    parseBeirQrels(qrels, files.qrels),
    files.qrels,
  );
}

/** One line per finished stage on stderr; a live counter only on a terminal. */
function progress(label: string) {
  return (stage: RetrievalStage, done: number, total: number) => {
    const what = stage === 'search' ? 'searching' : `embedding ${stage}`;
    const line = `${label}: ${what} ${done}/${total}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (done === total) process.stderr.write(`${line}\n`);
  };
}

async function evaluateModel(
  dir: string,
  split: BeirSplit,
  batchSize: number,
  label: string,
): Promise<RetrievalMetrics> {
  const encoder = new SentenceEncoder(await loadSentenceModel(directorySource(dir)));
  try {
    return await evaluateRetrieval(
      encoder,
      {
        corpus: split.corpus.map((d) => ({ id: d.id, text: documentText(d) })),
        queries: split.queries,
        relevant: split.relevant,
      },
      { batchSize, onProgress: progress(label) },
    );
  } finally {
    encoder.dispose();
  }
}

const fixed = (x: number) => x.toFixed(4);

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
  const { dataset } = report;
  const header = ['metric'.padEnd(13), 'model [95% CI]'.padEnd(24)];
  if (comparison) header.push('compare [95% CI]'.padEnd(24), 'change'.padEnd(7), 'p (paired)');
  return [
    `${dataset.name} (${dataset.split}): ${dataset.documents} documents, ${dataset.evaluated} of ${dataset.queries} queries evaluated` +
      (dataset.dropped.length
        ? ` (${dataset.dropped.length} without a relevant document dropped)`
        : ''),
    header.join('  ').trimEnd(),
    ...rows,
  ].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    model: { type: 'string' },
    beir: { type: 'string' },
    split: { type: 'string' },
    compare: { type: 'string' },
    report: { type: 'string' },
    'batch-size': { type: 'string' },
    resamples: { type: 'string' },
    seed: { type: 'string' },
  });
  const model = required(flags.model, 'model');
  const beir = required(flags.beir, 'beir');
  const reportPath = required(flags.report, 'report');
  const splitName = flags.split ?? 'test';
  const batchSize = numberFlag(flags['batch-size'], 'batch-size', 32);
  const resampling = {
    resamples: numberFlag(flags.resamples, 'resamples', DEFAULT_RESAMPLING.resamples),
    seed: numberFlag(flags.seed, 'seed', DEFAULT_RESAMPLING.seed),
    level: DEFAULT_RESAMPLING.level,
  };
  for (const [flag, value] of [
    ['batch-size', batchSize],
    ['resamples', resampling.resamples],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new CliError(`--${flag} expects a positive integer, got ${value}`);
    }
  }
  if (!Number.isInteger(resampling.seed)) {
    throw new CliError(`--seed expects an integer, got ${resampling.seed}`);
  }

  try {
    await tf.ready();
    const split = await loadBeir(beir, splitName);
    if (split.missingDocIds.length > 0) {
      console.error(
        `warning: ${split.missingDocIds.length} relevant document id(s) are not in the corpus ` +
          `(${split.missingDocIds.slice(0, 5).join(', ')}…); they count as never retrieved`,
      );
    }
    const base = await evaluateModel(model, split, batchSize, 'model');
    const report: EvaluationReport = {
      ...systemReport(model, base, metricIntervals(base, resampling)),
      dataset: {
        name: beir,
        split: splitName,
        documents: split.corpus.length,
        queries: split.queries.length,
        evaluated: base.perQuery.size,
        dropped: base.dropped,
        missingDocIds: split.missingDocIds,
      },
      resampling,
    };
    if (flags.compare) {
      const tuned = await evaluateModel(flags.compare, split, batchSize, 'compare');
      report.compare = systemReport(flags.compare, tuned, metricIntervals(tuned, resampling));
      report.comparison = compareSystems(base, tuned, resampling);
    }
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(summary(report));
    console.log(`report written to ${reportPath}`);
    return 0;
  } catch (e) {
    if (DATA_ERRORS.some((type) => e instanceof type)) throw new CliError((e as Error).message, 65);
    throw e;
  }
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'retrieval metrics of a model on a BEIR folder, optionally against a second model',
  usage: USAGE,
  run,
};
