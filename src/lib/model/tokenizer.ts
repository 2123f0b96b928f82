import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFormatError } from './errors.ts';

/** One padded batch of token ids: `[batch, length]` row-major, 0 = padding in the mask. */
export interface TokenBatch {
  batch: number;
  length: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  /** Real tokens in the batch (sum of the mask), for tokens/s. */
  tokens: number;
}

/**
 * Padded lengths a batch may take. Padding to a few fixed lengths (instead of the longest row)
 * lets the GPU reuse buffers and compiled kernels across batches; padded positions are masked
 * out of attention and pooling, so the embeddings do not change.
 */
export function bucketLengths(maxSeqLength: number): number[] {
  const buckets = [8, 16, 32, 64, 128, 256, 512].filter((b) => b < maxSeqLength);
  return [...buckets, maxSeqLength];
}

export type PadMode = 'longest' | 'bucket';

/** WordPiece (or whatever tokenizer.json says) with sentence-transformers' truncation and padding. */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly clsId: number;
  private readonly sepId: number;
  private readonly padId: number;

  constructor(
    tokenizerJson: unknown,
    tokenizerConfig: Record<string, unknown>,
    /** `do_lower_case` from sentence_bert_config.json: lowercases before the tokenizer runs. */
    readonly lowerCase = false,
  ) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig);
    } catch (e) {
      throw new ModelFormatError('tokenizer.json', `cannot be loaded (${(e as Error).message})`);
    }
    const id = (token: string) => {
      const found = this.tokenizer.token_to_id(token);
      if (found === undefined || found === null)
        throw new ModelFormatError(
          'tokenizer.json',
          `has no ${token} token; a BERT tokenizer needs [CLS], [SEP] and [PAD]`,
        );
      return found;
    };
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.padId = id('[PAD]');
  }

  /**
   * `[CLS] tokens [SEP]`, truncated to `maxLength` ids in all: sentence-transformers strips
   * each text, then calls the tokenizer with `truncation='longest_first'` and `max_length`.
   */
  encode(text: string, maxLength: number): number[] {
    const prepared = this.lowerCase ? text.trim().toLowerCase() : text.trim();
    const ids = this.tokenizer.encode(prepared).ids;
    if (ids.length <= maxLength) return ids;
    return [...ids.slice(0, maxLength - 1), this.sepId];
  }

  /**
   * Token ids of one text without `[CLS]`/`[SEP]`, as tokenizer.json gives them (no trimming, no
   * `do_lower_case`): one half of a cross-encoder's pair.
   */
  pieces(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Encodes and pads one column of texts; each column of a training batch is padded on its own. */
  encodeBatch(texts: string[], maxLength: number, pad: PadMode = 'bucket'): TokenBatch {
    const rows = texts.map((t) => this.encode(t, maxLength));
    const longest = Math.max(1, ...rows.map((r) => r.length));
    const length =
      pad === 'longest' ? longest : (bucketLengths(maxLength).find((b) => b >= longest) ?? longest);
    const inputIds = new Int32Array(rows.length * length).fill(this.padId);
    const attentionMask = new Int32Array(rows.length * length);
    let tokens = 0;
    rows.forEach((row, i) => {
      inputIds.set(row, i * length);
      attentionMask.fill(1, i * length, i * length + row.length);
      tokens += row.length;
    });
    return { batch: rows.length, length, inputIds, attentionMask, tokens };
  }

  get specialIds(): { cls: number; sep: number; pad: number } {
    return { cls: this.clsId, sep: this.sepId, pad: this.padId };
  }
}
