/**
 * Evaluation benchmarks in Node: how fast the corpus embeds (the bulk of an evaluation) and how
 * long an exact top-k search over a 100,000-document corpus takes, with the memory it holds.
 * Prints markdown tables. Run with `npx tsx bench/eval.ts [cpu|wasm]` (default cpu).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { directorySource } from '../src/cli/fs-source.ts';
import { exactTopK, type Matrix } from '../src/lib/eval/topk.ts';
import { SentenceEncoder } from '../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../src/lib/model/folder.ts';
import { mulberry32 } from '../src/lib/util/random.ts';
import { parseFixturePairs, SHAPES, syntheticModel, syntheticPairs } from './models.ts';

const MB = 1024 * 1024;

interface EmbedCase {
  label: string;
  model: SentenceModel;
  /** Documents timed (after one untimed warm-up batch). */
  docs: number;
}

interface EmbedFigures {
  docsPerSecond: number;
  seconds: number;
}

/** Embeds one batch untimed (first-use allocations), then `docs` documents in batches of 32. */
async function measureEmbedding(c: EmbedCase, texts: string[]): Promise<EmbedFigures> {
  const encoder = new SentenceEncoder(c.model);
  try {
    await encoder.embed(texts.slice(0, 32), { batchSize: 32 });
    const started = performance.now();
    await encoder.embed(texts.slice(0, c.docs), { batchSize: 32 });
    const seconds = (performance.now() - started) / 1000;
    return { docsPerSecond: c.docs / seconds, seconds };
  } finally {
    encoder.dispose();
  }
}

/** Uniform random rows in [−1, 1), seeded. */
function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
  return { data, rows, cols };
}

interface SearchFigures {
  chunkSize: string;
  seconds: number;
  /** Most tfjs backend memory held at once during the search. */
  peakBytes: number;
  /** Resident set size of the whole process at its highest so far. */
  maxRssBytes: number;
}

async function measureSearch(
  queries: Matrix,
  corpus: Matrix,
  k: number,
  chunkSize?: number,
): Promise<SearchFigures> {
  let seconds = 0;
  const profile = await tf.profile(async () => {
    const started = performance.now();
    await exactTopK(queries, corpus, { k, chunkSize });
    seconds = (performance.now() - started) / 1000;
    return [];
  });
  return {
    chunkSize: chunkSize === undefined ? 'default' : chunkSize.toLocaleString('en'),
    seconds,
    peakBytes: profile.peakBytes,
    // resourceUsage reports kilobytes.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function main(): Promise<void> {
  const backend = process.argv[2] ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'wasm')
    throw new Error(`backend cpu or wasm, got ${backend}`);
  await tf.setBackend(backend);
  await tf.ready();
  // The cpu backend prints a tfjs-node advertisement on first use; the output is a report.
  if (backend === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;

  // 1. Exact top-k over 100,000 random 384-d documents for 100 queries, k = 100. First, so that
  //    the process's peak RSS is the search's own.
  const DOCS = 100_000;
  const corpus = randomMatrix(DOCS, 384, 1);
  const queries = randomMatrix(100, 384, 2);
  // The smaller chunk first: peak RSS only ever grows, so each row's figure is its own.
  const search = [
    await measureSearch(queries, corpus, 100, 10_000),
    await measureSearch(queries, corpus, 100),
  ];

  // 2. Corpus embedding throughput.
  const fixture = await loadSentenceModel(directorySource('tests/fixtures/tiny-bert'));
  const pairs = parseFixturePairs(readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8'));
  // Long synthetic texts: every document fills the model's max_seq_length.
  const texts = syntheticPairs(pairs, 512).map((p) => p.positive);
  const cases: EmbedCase[] = [
    { label: 'tiny fixture 2×32, 24 tokens', model: fixture, docs: 512 },
    {
      label: 'MiniLM-L6 shape 6×384 (random weights), 128 tokens',
      model: syntheticModel({ ...SHAPES.minilm, tokens: 128 }, fixture),
      docs: 64,
    },
  ];
  const embedding: [EmbedCase, EmbedFigures][] = [];
  for (const c of cases) embedding.push([c, await measureEmbedding(c, texts)]);

  const lines = [
    `Evaluation benchmarks — Node ${process.version}, tfjs ${tf.version.tfjs} ${tf.getBackend()} backend`,
    '',
    '| corpus embedding (batch 32) | docs timed | seconds | docs/s |',
    '| --- | --- | --- | --- |',
    ...embedding.map(
      ([c, f]) =>
        `| ${c.label} | ${c.docs} | ${f.seconds.toFixed(2)} | ${f.docsPerSecond.toFixed(1)} |`,
    ),
    '',
    `| exact top-k: ${DOCS.toLocaleString('en')} docs × 384-d, 100 queries, k = 100 | seconds | tfjs peak memory | process peak RSS |`,
    '| --- | --- | --- | --- |',
    ...search.map(
      (s) =>
        `| chunk ${s.chunkSize} rows | ${s.seconds.toFixed(2)} | ${(s.peakBytes / MB).toFixed(0)} MB | ${(s.maxRssBytes / MB).toFixed(0)} MB |`,
    ),
    '',
    `The corpus matrix itself is ${((DOCS * 384 * 4) / MB).toFixed(0)} MB of float32. The default chunk keeps one step's scores under 2^24 floats (${Math.floor(2 ** 24 / 100).toLocaleString('en')} rows for 100 queries).`,
  ];
  console.log(lines.join('\n'));
}

await main();
