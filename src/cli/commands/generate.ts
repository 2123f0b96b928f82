import { basename, dirname, resolve } from 'node:path';
import { pairsCsv } from '../../lib/data/pairs-csv.ts';
import { DEFAULT_FILTER_TOP_K } from '../../lib/generate/consistency.ts';
import { generateForCorpus } from '../../lib/generate/generator.ts';
import { parseExampleQueries, parseGenerationCorpus } from '../../lib/generate/inputs.ts';
import { MAX_EXAMPLES, MIN_EXAMPLES } from '../../lib/generate/prompt.ts';
import {
  applyFilters,
  countVerdicts,
  toTrainingPairs,
  type GeneratedQuery,
} from '../../lib/generate/review.ts';
import { roundTripRanks } from '../../lib/generate/round-trip.ts';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../../lib/generate/settings.ts';
import type { TransformersGenerator } from '../../lib/generate/transformers-generator.ts';
import { SentenceEncoder } from '../../lib/model/encoder.ts';
import { CliError, countFlag, numberFlag, parseFlags, required, type Command } from '../args.ts';
import { BACKEND_FLAG, BACKEND_USAGE, initBackend, readText, writeOutput } from '../io.ts';
import {
  loadPromptedModel,
  RETRIEVAL_PROMPT_FLAGS,
  RETRIEVAL_PROMPT_USAGE,
} from '../prompt-flags.ts';

const USAGE = `--model DIR --corpus FILE --examples FILE --generator DIR --out FILE.csv [options]

  --model DIR            sentence-transformers folder for the consistency filter
  --corpus FILE          documents: BEIR corpus.jsonl, CSV/TSV with a text column, or one per line
  --examples FILE        ${MIN_EXAMPLES}–${MAX_EXAMPLES} real queries: CSV/TSV with query (and document) columns, or one per line
  --generator DIR        a causal language model folder in the transformers.js layout
                         (config.json, tokenizer.json, onnx/model.onnx); the CLI never downloads
  --out FILE.csv         receives query,positive for every query the filters keep
  --per-doc 3            queries generated per document
  --filter-top-k 3       keep a query when its own document ranks in the top k
  --temperature 0.7      0 decodes greedily
  --top-p 0.95           nucleus sampling
  --max-new-tokens 32    tokens generated per query at most
  --seed 42              document d samples from seed + d
${RETRIEVAL_PROMPT_USAGE}
${BACKEND_USAGE}`;

const FLAGS = {
  model: { type: 'string' },
  corpus: { type: 'string' },
  examples: { type: 'string' },
  generator: { type: 'string' },
  out: { type: 'string' },
  'per-doc': { type: 'string' },
  'filter-top-k': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  seed: { type: 'string' },
  ...RETRIEVAL_PROMPT_FLAGS,
  ...BACKEND_FLAG,
} as const;

function samplingFrom(flags: ReturnType<typeof parseFlags<typeof FLAGS>>): SamplingSettings {
  const d = DEFAULT_SAMPLING;
  const temperature = numberFlag(flags.temperature, 'temperature', d.temperature);
  if (temperature < 0)
    throw new CliError(`--temperature expects 0 or more, got "${flags.temperature}"`);
  const topP = numberFlag(flags['top-p'], 'top-p', d.topP);
  if (!(topP > 0 && topP <= 1))
    throw new CliError(`--top-p expects a number in (0, 1], got "${flags['top-p']}"`);
  return {
    temperature,
    topP,
    maxNewTokens: countFlag(flags['max-new-tokens'], 'max-new-tokens', d.maxNewTokens),
    perDocument: countFlag(flags['per-doc'], 'per-doc', d.perDocument),
    seed: numberFlag(flags.seed, 'seed', d.seed),
  };
}

/**
 * transformers.js resolves a model id under `localModelPath`; the folder's parent is that path.
 * Imported here, not at the top: it loads onnxruntime's native library, which no other command needs.
 */
async function loadGenerator(dir: string): Promise<TransformersGenerator> {
  const [{ env }, { TransformersGenerator }] = await Promise.all([
    import('@huggingface/transformers'),
    import('../../lib/generate/transformers-generator.ts'),
  ]);
  const folder = resolve(dir);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(folder)}/`;
  return TransformersGenerator.load(basename(folder), { device: 'cpu', dtype: 'fp32' });
}

export const generate: Command = {
  name: 'generate',
  summary: 'generate grounded synthetic queries for a corpus and keep the consistent ones',
  usage: USAGE,
  async run(argv) {
    const flags = parseFlags(argv, FLAGS);
    const modelDir = required(flags.model, 'model');
    const corpusPath = required(flags.corpus, 'corpus');
    const examplesPath = required(flags.examples, 'examples');
    const generatorDir = required(flags.generator, 'generator');
    const outPath = required(flags.out, 'out');
    const sampling = samplingFrom(flags);
    const topK = countFlag(flags['filter-top-k'], 'filter-top-k', DEFAULT_FILTER_TOP_K);
    const corpus = parseGenerationCorpus(await readText(corpusPath), basename(corpusPath));
    const examples = parseExampleQueries(await readText(examplesPath), basename(examplesPath));
    if (examples.length < MIN_EXAMPLES || examples.length > MAX_EXAMPLES)
      console.warn(
        `${examplesPath}: ${examples.length} example queries; ${MIN_EXAMPLES}–${MAX_EXAMPLES} anchor the style best`,
      );
    const generator = await loadGenerator(generatorDir);
    const queries: GeneratedQuery[] = [];
    let unparsable = 0;
    try {
      for await (const step of generateForCorpus(generator, corpus, examples, sampling)) {
        queries.push(...step.queries);
        unparsable += step.unparsable;
        process.stderr.write(`\rgenerated for ${step.document + 1}/${corpus.length} documents`);
      }
      process.stderr.write('\n');
    } finally {
      await generator.dispose();
    }
    await initBackend(flags.backend, flags.threads);
    const encoder = new SentenceEncoder(await loadPromptedModel(modelDir, flags));
    const ranks = await roundTripRanks(encoder, corpus, queries, topK).finally(() =>
      encoder.dispose(),
    );
    const filtered = applyFilters(queries, ranks, {
      topK,
      reserved: examples.map((e) => e.query),
    });
    const counts = countVerdicts(filtered);
    const kept = filtered.filter((q) => q.verdict === 'kept');
    const pairs = toTrainingPairs(kept, corpus);
    await writeOutput(outPath, pairsCsv(pairs, { negatives: 0 }));
    console.log(
      `generated ${counts.generated} queries for ${corpus.length} documents` +
        ` (${unparsable} continuations held no query)\n` +
        `  duplicates      −${counts.duplicate}\n` +
        `  near-duplicates −${counts.nearDuplicate}\n` +
        `  not in top ${topK}     −${counts.inconsistent}\n` +
        `  kept            ${counts.kept}\n` +
        `wrote ${pairs.length} rows to ${outPath}`,
    );
    return 0;
  },
};
