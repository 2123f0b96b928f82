import * as tf from '@tensorflow/tfjs';
import { linear } from '../kernels/index.ts';
import { bertForward, createParams, disposeParams, type BertParams } from './bert.ts';
import type { CrossEncoderModel } from './cross-encoder-folder.ts';
import { encodePairs, type PairBatch, type TextPair } from './pair-tokens.ts';
import type { PadMode } from './tokenizer.ts';

export interface PredictOptions {
  batchSize?: number;
  pad?: PadMode;
  onProgress?: (done: number, total: number) => void;
}

/** Per pair, one value per label: the head's logits and what `predict` returns from them. */
export interface CrossEncoderOutput {
  logits: Float32Array[];
  scores: Float32Array[];
}

/** The options of `predict` a caller that scores pairs passes on: batch size and progress. */
export type ScoringOptions = Pick<PredictOptions, 'batchSize' | 'onProgress'>;

/**
 * What scoring pairs needs of a cross-encoder: `CrossEncoder` itself, or a test's stand-in that
 * gives only the outputs `K` its caller reads.
 */
export interface PairPredictor<K extends keyof CrossEncoderOutput> {
  readonly labels: number;
  predict(
    pairs: readonly TextPair[],
    options: ScoringOptions,
  ): Promise<Pick<CrossEncoderOutput, K>>;
}

/**
 * sentence-transformers' `CrossEncoder` in TensorFlow.js, inference only: HF
 * `BertForSequenceClassification` over `[CLS] query [SEP] document [SEP]`,
 *
 *   pooled = tanh(W_p · h_CLS + b_p)          BertPooler            [B, H]
 *   logits = W_c · dropout(pooled) + b_c      classifier            [B, labels]
 *   scores = activation(logits)               sigmoid for one label
 *
 * dropout is off at inference. The encoder is the same `bertForward` the bi-encoder trains.
 */
export class CrossEncoder {
  private readonly params: BertParams;
  private readonly head: {
    pooler: [tf.Tensor2D, tf.Tensor1D];
    classifier: [tf.Tensor2D, tf.Tensor1D];
  };

  constructor(readonly model: CrossEncoderModel) {
    this.params = createParams(model.config, model.weights);
    const t = (name: string) => {
      const w = model.weights.get(name)!;
      return tf.tensor(w.data, w.shape, 'float32');
    };
    this.head = {
      pooler: [t('pooler.dense.weight') as tf.Tensor2D, t('pooler.dense.bias') as tf.Tensor1D],
      classifier: [t('classifier.weight') as tf.Tensor2D, t('classifier.bias') as tf.Tensor1D],
    };
  }

  get labels(): number {
    return this.model.labels;
  }

  tokenize(pairs: readonly TextPair[], pad: PadMode = 'bucket'): PairBatch {
    return encodePairs(this.model.tokenizer, pairs, this.model.maxLength, pad);
  }

  /** Logits `[B, labels]` of one tokenized batch. */
  logitsBatch(batch: PairBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const shape: [number, number] = [batch.batch, batch.length];
      const ids = tf.tensor2d(batch.inputIds, shape, 'int32');
      const mask = tf.tensor2d(batch.attentionMask, shape, 'int32');
      const types = tf.tensor2d(batch.tokenTypeIds, shape, 'int32');
      const H = this.model.config.hidden_size;
      const tokens = bertForward(
        this.model.config,
        this.params,
        ids,
        mask,
        { training: false },
        types,
      );
      // h_CLS: the first token of every row. [B, H]
      const cls = tf.reshape<tf.Rank.R2>(tf.slice(tokens, [0, 0, 0], [batch.batch, 1, H]), [
        batch.batch,
        H,
      ]);
      const pooled = tf.tanh(linear(cls, ...this.head.pooler));
      return linear(pooled, ...this.head.classifier);
    });
  }

  /**
   * Scores pairs as `CrossEncoder.predict` does, in batches sorted by length (each pads little),
   * returned in input order.
   */
  async predict(
    pairs: readonly TextPair[],
    options: PredictOptions = {},
  ): Promise<CrossEncoderOutput> {
    const batchSize = options.batchSize ?? 32;
    const size = (p: TextPair) => p.query.length + p.document.length;
    const order = pairs.map((_, i) => i).sort((a, b) => size(pairs[b]) - size(pairs[a]));
    const logits: Float32Array[] = new Array(pairs.length);
    const scores: Float32Array[] = new Array(pairs.length);
    const n = this.labels;
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const batch = this.tokenize(
        idx.map((i) => pairs[i]),
        options.pad,
      );
      const out = this.logitsBatch(batch);
      const activated = this.model.activation === 'sigmoid' ? tf.sigmoid(out) : out;
      const [l, s] = (await Promise.all([out.data(), activated.data()])) as Float32Array[];
      tf.dispose([out, activated]);
      idx.forEach((i, row) => {
        logits[i] = l.slice(row * n, (row + 1) * n);
        scores[i] = s.slice(row * n, (row + 1) * n);
      });
      options.onProgress?.(Math.min(start + batchSize, pairs.length), pairs.length);
    }
    return { logits, scores };
  }

  dispose(): void {
    disposeParams(this.params);
    tf.dispose([...this.head.pooler, ...this.head.classifier]);
  }
}
