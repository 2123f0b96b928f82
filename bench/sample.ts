import type { TrainingPair } from '../src/lib/data/pairs.ts';
import { parseDataset } from '../src/lib/data/parser.ts';
import { TextTokenizer } from '../src/lib/model/tokenizer.ts';

/** The built-in sample dataset the studio offers on first start (query, positive, negative). */
export const SAMPLE_CSV = 'public/samples/fasteners.csv';

/** What the bench needs to train on the sample: its pairs and a tokenizer that knows its words. */
export interface SampleData {
  pairs: TrainingPair[];
  tokenizer: TextTokenizer;
}

/**
 * The pieces BERT's pre-tokenizer cuts text into: runs of letters and digits, and each
 * punctuation mark or symbol on its own (lower-cased, as the uncased normaliser does).
 */
function pieces(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

/**
 * The fixture's WordPiece tokenizer with every word of `texts` added as a whole token, so the
 * sample tokenizes to about as many tokens as all-MiniLM-L6-v2's 30,522-word vocabulary gives
 * (one per pre-tokenized piece: a lower bound, since the real vocabulary splits rare words).
 */
function wordTokenizer(fixtureTokenizerJson: unknown, texts: string[]): TextTokenizer {
  const json = structuredClone(fixtureTokenizerJson) as {
    model: { vocab: Record<string, number> };
  };
  const vocab = json.model.vocab;
  let next = Math.max(...Object.values(vocab)) + 1;
  for (const text of texts)
    for (const piece of pieces(text)) if (!(piece in vocab)) vocab[piece] = next++;
  return new TextTokenizer(json, {});
}

/** Parses the sample CSV with the studio's own parser and builds its tokenizer. */
export function loadSample(csv: Uint8Array, fixtureTokenizerJson: unknown): SampleData {
  const { pairs, report } = parseDataset(csv, { fileName: 'fasteners.csv' });
  if (report.rejected.length)
    throw new Error(`${SAMPLE_CSV}: ${report.rejected.length} rows rejected`);
  const texts = pairs.flatMap((p) => [p.query, p.positive, ...p.negatives]);
  return { pairs, tokenizer: wordTokenizer(fixtureTokenizerJson, texts) };
}
