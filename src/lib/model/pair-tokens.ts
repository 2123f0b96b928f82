import { bucketLengths, type PadMode, type TextTokenizer, type TokenBatch } from './tokenizer.ts';

/** A (query, document) pair as a cross-encoder scores it. */
export interface TextPair {
  query: string;
  document: string;
}

/** A padded batch of pairs: `[CLS] query [SEP] document [SEP]`, token types 0 then 1. */
export interface PairBatch extends TokenBatch {
  /** `[batch, length]`: 0 for `[CLS]`, the query and its `[SEP]`; 1 for the document and the last `[SEP]`. */
  tokenTypeIds: Int32Array;
}

/** Special tokens of a BERT pair: `[CLS]`, and a `[SEP]` after each text. */
const PAIR_SPECIALS = 3;

/**
 * Lengths `[n1, n2]` after `truncation='longest_first'` as the Rust `tokenizers` crate does it
 * (utils/truncation.rs, what a fast tokenizer and so `CrossEncoder` run), `budget` being
 * max_length less the special tokens. With n1 ≤ n2: the shorter text stays whole when the longer
 * can take the rest; otherwise each keeps ⌊budget/2⌋ and the longer one the odd token (the
 * second on a tie). Python's slow tokenizer differs only there, giving the odd token to the first.
 */
export function longestFirst(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let [short, long] = swap ? [n2, n1] : [n1, n2];
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

/**
 * Tokenizes pairs as `CrossEncoder.predict` does (sentence-transformers): each text stripped,
 * then `tokenizer(queries, documents, truncation='longest_first', max_length, padding=True)`.
 */
export function encodePairs(
  tokenizer: TextTokenizer,
  pairs: readonly TextPair[],
  maxLength: number,
  pad: PadMode = 'bucket',
): PairBatch {
  const { cls, sep, pad: padId } = tokenizer.specialIds;
  const rows = pairs.map(({ query, document }) => {
    const a = tokenizer.pieces(query.trim());
    const b = tokenizer.pieces(document.trim());
    const [n1, n2] = longestFirst(a.length, b.length, maxLength - PAIR_SPECIALS);
    return { ids: [cls, ...a.slice(0, n1), sep, ...b.slice(0, n2), sep], first: n1 + 2 };
  });
  const longest = Math.max(1, ...rows.map((r) => r.ids.length));
  const length =
    pad === 'longest' ? longest : (bucketLengths(maxLength).find((b) => b >= longest) ?? longest);
  const inputIds = new Int32Array(rows.length * length).fill(padId);
  const attentionMask = new Int32Array(rows.length * length);
  const tokenTypeIds = new Int32Array(rows.length * length);
  let tokens = 0;
  rows.forEach(({ ids, first }, i) => {
    inputIds.set(ids, i * length);
    attentionMask.fill(1, i * length, i * length + ids.length);
    tokenTypeIds.fill(1, i * length + first, i * length + ids.length);
    tokens += ids.length;
  });
  return { batch: rows.length, length, inputIds, attentionMask, tokenTypeIds, tokens };
}
