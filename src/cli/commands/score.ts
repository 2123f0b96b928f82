import { CliError, EXIT, numberFlag, parseFlags, required, type Command } from '../args.ts';
import { loadCrossEncoderDir } from '../cross-encoder-dir.ts';
import { BACKEND_FLAG, BACKEND_USAGE, initBackend, readText, writeOutput } from '../io.ts';
import type { TextPair } from '../../lib/model/pair-tokens.ts';

const USAGE = `--cross-encoder DIR --pairs FILE.jsonl --out FILE.json [--batch-size 32] [--max-length N] [--backend wasm]

  --cross-encoder DIR  a BertForSequenceClassification folder (e.g. cross-encoder/ms-marco-MiniLM-L6-v2)
  --pairs FILE.jsonl   one {"query": "...", "document": "..."} per line (blank lines are skipped)
  --out FILE.json      writes {"scores": [...], "logits": [...]}, one per pair: scores as
                       CrossEncoder.predict returns them (the sigmoid of a one-label model's logit);
                       a number per pair for one label, a list per pair for several
  --max-length N       tokens per pair, specials included (default: the tokenizer's model_max_length)
${BACKEND_USAGE}`;

/** One `{"query", "document"}` object per non-blank line; a fault names the line. */
export function parsePairLines(text: string, file: string): TextPair[] {
  const pairs: TextPair[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new CliError(`${where}: not valid JSON (${(e as Error).message})`, EXIT.input);
    }
    const { query, document } = (row ?? {}) as Record<string, unknown>;
    if (typeof query !== 'string' || typeof document !== 'string')
      throw new CliError(`${where}: needs string fields "query" and "document"`, EXIT.input);
    pairs.push({ query, document });
  });
  if (pairs.length === 0) throw new CliError(`${file} has no pair to score`, EXIT.input);
  return pairs;
}

/** One label: a number per pair, as `predict` flattens it; several: a list per pair. */
const perPair = (rows: Float32Array[], labels: number) =>
  labels === 1 ? rows.map((r) => r[0]) : rows.map((r) => Array.from(r));

export const score: Command = {
  name: 'score',
  summary: 'Score (query, document) pairs with a cross-encoder, as CrossEncoder.predict does',
  usage: USAGE,
  async run(argv) {
    const flags = parseFlags(argv, {
      'cross-encoder': { type: 'string' },
      pairs: { type: 'string' },
      out: { type: 'string' },
      'batch-size': { type: 'string' },
      'max-length': { type: 'string' },
      ...BACKEND_FLAG,
    });
    const pairsPath = required(flags.pairs, 'pairs');
    const pairs = parsePairLines(await readText(pairsPath), pairsPath);
    const out = required(flags.out, 'out');
    const maxLength =
      flags['max-length'] === undefined
        ? undefined
        : numberFlag(flags['max-length'], 'max-length', 0);
    await initBackend(flags.backend, flags.threads);
    const model = await loadCrossEncoderDir(required(flags['cross-encoder'], 'cross-encoder'), {
      maxLength,
    });
    const { logits, scores } = await model.predict(pairs, {
      batchSize: numberFlag(flags['batch-size'], 'batch-size', 32),
    });
    const labels = model.labels;
    model.dispose();
    await writeOutput(
      out,
      JSON.stringify({ scores: perPair(scores, labels), logits: perPair(logits, labels) }),
    );
    console.log(`scored ${pairs.length} pairs → ${out}`);
    return 0;
  },
};
