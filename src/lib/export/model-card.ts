import type { TrainConfig } from '../train/config.ts';

/** One metric row of the card's evaluation table: base vs fine-tuned, with 95% intervals. */
export interface CardMetric {
  name: string;
  base: { mean: number; lower: number; upper: number };
  tuned: { mean: number; lower: number; upper: number };
  pValue: number;
  /** Holm-adjusted over every metric of the comparison (both tables). */
  pHolm?: number;
}

export interface ModelCardInput {
  /** Hub id or folder name of the base model, and its revision when known. */
  baseModel: string;
  baseRevision?: string;
  dataset: { name: string; pairs: number; evalQueries?: number };
  config: TrainConfig;
  steps: number;
  /** Finishing date, ISO 8601. */
  date: string;
  finalLoss?: number;
  evaluation?: {
    corpusSize: number;
    queries: number;
    /** sentence-transformers' binary metrics. */
    metrics: CardMetric[];
    /** trec_eval 10.0's graded measures of the same rankings. */
    graded?: CardMetric[];
  };
}

const fmt = (x: number) => x.toFixed(4);
const interval = (m: { mean: number; lower: number; upper: number }) =>
  `${fmt(m.mean)} [${fmt(m.lower)}, ${fmt(m.upper)}]`;

function metricTable(title: string, metrics: CardMetric[]): string[] {
  const holm = metrics.some((m) => m.pHolm !== undefined);
  return [
    `${title}:`,
    '',
    `| metric | base | fine-tuned | p |${holm ? ' p (Holm) |' : ''}`,
    `| --- | --- | --- | --- |${holm ? ' --- |' : ''}`,
    ...metrics.map(
      (m) =>
        `| ${m.name} | ${interval(m.base)} | ${interval(m.tuned)} | ${m.pValue.toPrecision(2)} |` +
        (holm ? ` ${m.pHolm === undefined ? '' : m.pHolm.toPrecision(2)} |` : ''),
    ),
  ];
}

/** The README.md of an exported folder: what it is, how it was trained, how well it retrieves, how to use it. */
export function modelCard(input: ModelCardInput): string {
  const c = input.config;
  const base = input.baseRevision
    ? `${input.baseModel} (revision ${input.baseRevision})`
    : input.baseModel;
  const lines = [
    '---',
    'library_name: sentence-transformers',
    'pipeline_tag: sentence-similarity',
    'tags: [sentence-transformers, sentence-similarity, attune]',
    `base_model: ${input.baseModel}`,
    '---',
    '',
    `# ${input.dataset.name} embeddings, fine-tuned from ${input.baseModel}`,
    '',
    `A sentence-transformers model fine-tuned from **${base}** with Attune on ${input.dataset.pairs.toLocaleString('en-US')} query/document pairs from "${input.dataset.name}", trained on ${input.date}.`,
    '',
    '## Usage',
    '',
    '```python',
    'from sentence_transformers import SentenceTransformer',
    '',
    'model = SentenceTransformer("path/to/this/folder")',
    'embeddings = model.encode(["a query", "a document"])',
    '```',
    '',
    '## Training',
    '',
    '| setting | value |',
    '| --- | --- |',
    `| loss | ${c.symmetric ? 'MultipleNegativesSymmetricRankingLoss' : 'MultipleNegativesRankingLoss'} (scale ${c.scale})${c.miniBatch ? `, GradCache mini-batch ${c.miniBatch}` : ''} |`,
    `| steps | ${input.steps} |`,
    `| batch size | ${c.batchSize} (no duplicates in a batch) |`,
    `| optimizer | AdamW, lr ${c.lr}, weight decay ${c.weightDecay}${c.decayAll ? ' (all parameters)' : ' (not biases or LayerNorm)'}, ε ${c.adamEps} |`,
    `| schedule | ${c.schedule}, warmup ${Math.round(c.warmupRatio * 100)}% |`,
    `| gradient clipping | ${c.maxGradNorm > 0 ? `max norm ${c.maxGradNorm}` : 'off'} |`,
    `| seed | ${c.seed} |`,
  ];
  if (input.finalLoss !== undefined) lines.push(`| final loss | ${fmt(input.finalLoss)} |`);
  if (input.evaluation) {
    const e = input.evaluation;
    lines.push(
      '',
      '## Evaluation',
      '',
      `Retrieval on ${e.queries} held-out queries against ${e.corpusSize.toLocaleString('en-US')} documents. Means with 95% bootstrap intervals over queries; p from a paired randomisation test, Holm-adjusted over every metric of both tables.`,
      '',
      ...metricTable('Binary (sentence-transformers `InformationRetrievalEvaluator`)', e.metrics),
    );
    if (e.graded?.length) {
      lines.push(
        '',
        ...metricTable(
          'Graded (trec_eval 10.0: the judged grade as gain, every judged query)',
          e.graded,
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
