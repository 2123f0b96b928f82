/**
 * What the `eval` and `bakeoff` commands share, so that a model's numbers in a bake-off are the
 * ones `eval` reports for it alone: the flags, reading a BEIR folder into a retrieval task, the
 * progress lines. Both evaluate each model with
 * `evaluateModel` (src/lib/eval/evaluate-model.ts).
 */
import { join } from 'node:path';
import { CliError, countFlag, numberFlag } from './args.ts';
import { BACKEND_FLAG, BACKEND_USAGE, readText } from './io.ts';
import { RETRIEVAL_PROMPT_FLAGS, RETRIEVAL_PROMPT_USAGE } from './prompt-flags.ts';
import {
  beirSplit,
  documentText,
  parseBeirCorpus,
  parseBeirQrels,
  parseBeirQueries,
  type BeirSplit,
} from '../lib/data/beir.ts';
import { DEFAULT_RESAMPLING } from '../lib/eval/bootstrap.ts';
import type { EvaluationReport } from '../lib/eval/report.ts';
import type { RetrievalStage, RetrievalTask } from '../lib/eval/retrieval.ts';

export const EVALUATION_FLAGS_USAGE = `  --beir        BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv
  --split       which qrels file to use (default test)
  --report      where to write the JSON report
  --batch-size  texts per embedding batch (default 32)
  --resamples   bootstrap and permutation resamples (default 1000)
  --seed        seed of the resampling (default 0)
${RETRIEVAL_PROMPT_USAGE}
${BACKEND_USAGE}`;

/** The flags both commands take, for `parseFlags`. */
export const EVALUATION_FLAGS = {
  beir: { type: 'string' },
  split: { type: 'string' },
  report: { type: 'string' },
  'batch-size': { type: 'string' },
  resamples: { type: 'string' },
  seed: { type: 'string' },
  ...RETRIEVAL_PROMPT_FLAGS,
  ...BACKEND_FLAG,
} as const;

export interface EvaluationSettings {
  splitName: string;
  batchSize: number;
  resampling: EvaluationReport['resampling'];
}

/** Batch size and resampling from the flags, each checked and named when wrong. */
export function evaluationSettings(flags: {
  split?: string;
  'batch-size'?: string;
  resamples?: string;
  seed?: string;
}): EvaluationSettings {
  const batchSize = countFlag(flags['batch-size'], 'batch-size', 32);
  const resampling = {
    resamples: countFlag(flags.resamples, 'resamples', DEFAULT_RESAMPLING.resamples),
    seed: numberFlag(flags.seed, 'seed', DEFAULT_RESAMPLING.seed),
    level: DEFAULT_RESAMPLING.level,
  };
  if (!Number.isInteger(resampling.seed)) {
    throw new CliError(`--seed expects an integer, got ${resampling.seed}`);
  }
  return { splitName: flags.split ?? 'test', batchSize, resampling };
}

/** One split of a BEIR folder; warns on stderr about judged documents the corpus lacks. */
export async function loadBeir(dir: string, split: string): Promise<BeirSplit> {
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
  const loaded = beirSplit(
    parseBeirCorpus(corpus, files.corpus),
    parseBeirQueries(queries, files.queries),
    parseBeirQrels(qrels, files.qrels),
    files.qrels,
  );
  if (loaded.missingDocIds.length > 0) {
    console.error(
      `warning: ${loaded.missingDocIds.length} relevant document id(s) are not in the corpus ` +
        `(${loaded.missingDocIds.slice(0, 5).join(', ')}…); they count as never retrieved`,
    );
  }
  return loaded;
}

/** The retrieval task of a BEIR split: a document's text is its title and text, as BEIR joins them. */
export function beirTask(split: BeirSplit): RetrievalTask {
  return {
    corpus: split.corpus.map((d) => ({ id: d.id, text: documentText(d) })),
    queries: split.queries,
    relevant: split.relevant,
    judgements: split.judgements,
  };
}

/** One line per finished stage on stderr; a live counter only on a terminal. */
export function progress(label: string) {
  return (stage: RetrievalStage, done: number, total: number) => {
    const what = stage === 'search' ? 'searching' : `embedding ${stage}`;
    const line = `${label}: ${what} ${done}/${total}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (done === total) process.stderr.write(`${line}\n`);
  };
}

export const fixed = (x: number) => x.toFixed(4);

/** The line that heads both commands' summaries: what was evaluated, what was dropped. */
export function datasetLine(dataset: EvaluationReport['dataset']): string {
  return (
    `${dataset.name} (${dataset.split}): ${dataset.documents} documents, ${dataset.evaluated} of ${dataset.queries} queries evaluated` +
    (dataset.dropped.length
      ? ` (${dataset.dropped.length} without a relevant document dropped)`
      : '')
  );
}
