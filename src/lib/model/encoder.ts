import * as tf from '@tensorflow/tfjs';
import {
  bertForward,
  createParams,
  disposeParams,
  type BertParams,
  type ForwardOptions,
  type LinearDelta,
  type ParamLookup,
} from './bert.ts';
import type { SentenceModel } from './folder.ts';
import { l2Normalize, pool } from './pooling.ts';
import type { NamedTensor } from './safetensors.ts';
import type { PadMode, TokenBatch } from './tokenizer.ts';

export interface EmbedOptions {
  batchSize?: number;
  pad?: PadMode;
  onProgress?: (done: number, total: number) => void;
}

/** Extra tensors and the term they add to Linear outputs (a LoRA adapter). */
export interface EncoderAdapter {
  params: Map<string, tf.Variable>;
  delta: LinearDelta;
}

/** A sentence-transformers model live in TensorFlow.js: BERT → pooling → optional Normalize. */
export class SentenceEncoder {
  readonly params: BertParams;
  /** Set by a LoRA run: its tensors join the forward pass. */
  adapter: EncoderAdapter | null = null;
  /** The variables gradients are taken for (every encoder parameter unless a run freezes some). */
  trainable: Map<string, tf.Variable>;
  /** Gradient checkpointing in training forwards (see `ForwardOptions.recompute`). */
  recompute = false;

  constructor(readonly model: SentenceModel) {
    this.params = createParams(model.config, model.weights);
    this.trainable = this.params;
  }

  /** The encoder's tensors and the adapter's, by name. */
  private lookup(): ParamLookup {
    return this.adapter ? new Map([...this.params, ...this.adapter.params]) : this.params;
  }

  get dimension(): number {
    return this.model.config.hidden_size;
  }

  tokenize(texts: string[], pad: PadMode = 'bucket'): TokenBatch {
    return this.model.tokenizer.encodeBatch(texts, this.model.maxSeqLength, pad);
  }

  /** Sentence embeddings `[B, H]` of one tokenized batch; differentiable w.r.t. `params`. */
  embedBatch(batch: TokenBatch, opts: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.inputIds, [batch.batch, batch.length], 'int32');
      const mask = tf.tensor2d(batch.attentionMask, [batch.batch, batch.length], 'int32');
      const tokens = bertForward(this.model.config, this.lookup(), ids, mask, {
        ...opts,
        linearDelta: this.adapter?.delta,
        recompute: opts.training && this.recompute ? new Set(this.trainable.keys()) : undefined,
      });
      const pooled = pool(tokens, mask, this.model.pooling);
      return this.model.normalize ? l2Normalize(pooled) : pooled;
    });
  }

  /**
   * Embeds texts in evaluation mode (no dropout), in batches sorted by length so that each batch
   * pads little, returned in input order.
   */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const batchSize = options.batchSize ?? 32;
    const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length);
    const out: Float32Array[] = new Array(texts.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const batch = this.tokenize(
        idx.map((i) => texts[i]),
        options.pad,
      );
      const emb = this.embedBatch(batch, { training: false });
      const data = (await emb.data()) as Float32Array;
      emb.dispose();
      const H = this.dimension;
      idx.forEach((i, row) => (out[i] = data.slice(row * H, (row + 1) * H)));
      options.onProgress?.(Math.min(start + batchSize, texts.length), texts.length);
    }
    return out;
  }

  /** Every tensor of the base checkpoint under its own name, trained ones replaced by their current values. */
  async exportWeights(): Promise<Map<string, NamedTensor>> {
    const out = new Map(this.model.weights);
    for (const [name, v] of this.params) {
      out.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    }
    return out;
  }

  dispose(): void {
    disposeParams(this.params);
  }
}
