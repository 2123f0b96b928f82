import * as tf from '@tensorflow/tfjs';
import type { SentenceEncoder } from '../model/encoder.ts';
import { Random } from '../util/random.ts';
import type { TrainLoss } from './config.ts';
import { marginMseLoss } from './losses/margin-mse.ts';
import { mnrlLoss, type MnrlOptions } from './losses/mnrl.ts';

/** One batch as columns: anchors, positives, then each explicit negative column. */
export interface ColumnBatch {
  columns: string[][];
  /** Per-anchor weights (weighted MNRL); absent = all 1. */
  weights?: number[];
  /** Per anchor, the teacher's margin for each negative column (MarginMSE). */
  labels?: number[][];
}

export interface StepOptions {
  scale: number;
  symmetric: boolean;
  training: boolean;
  /** Seeds this step's dropout masks; the same seed replays the same masks. */
  dropoutSeed: number;
  /** GradCache mini-batch size; null = one pass over the whole batch. */
  miniBatch: number | null;
  /** MNRL unless told otherwise. */
  loss?: TrainLoss;
  /**
   * Embed every column in one encoder pass (padded to the longest text of any column) instead of
   * one pass per column. On WebGPU each kernel costs a dispatch whatever its size, and one pass
   * halves the kernels and drops the gradient sums of parameters read by several passes; on CPUs
   * the padding costs arithmetic, so a pass per column (as sentence-transformers does) stays.
   * Default: one pass on webgpu.
   */
  columnsInOnePass?: boolean;
}

export interface LossAndGrads {
  loss: number;
  grads: Map<string, tf.Tensor>;
  /** Real (unpadded) tokens embedded, for tokens/s. */
  tokens: number;
}

/** Dropout seeds for one (column, chunk) forward: fixed per step so GradCache's replay sees the same masks. */
function seeds(base: number, column: number, chunk: number): () => number {
  const r = new Random(
    (base ^ Math.imul(column + 1, 0x9e3779b1) ^ Math.imul(chunk + 1, 0x85ebca6b)) >>> 0,
  );
  return () => r.int(2 ** 31);
}

function lossOptions(batch: ColumnBatch, opts: StepOptions): MnrlOptions {
  return {
    scale: opts.scale,
    symmetric: opts.symmetric,
    weights: batch.weights ? tf.tensor1d(batch.weights, 'float32') : undefined,
  };
}

/** The batch's loss from its column embeddings `[B, D]` (anchors, positives, negatives…). */
function batchLoss(e: tf.Tensor2D[], batch: ColumnBatch, opts: StepOptions): tf.Scalar {
  if (opts.loss !== 'margin-mse') return mnrlLoss(e[0], e.slice(1), lossOptions(batch, opts));
  if (!batch.labels) throw new Error('MarginMSE needs the teacher margins of every row');
  return marginMseLoss(e[0], e[1], e.slice(2), tf.tensor2d(batch.labels));
}

/** Gradients come back keyed by tfjs's variable names; map them to the HF parameter names. */
function byParamName(encoder: SentenceEncoder, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of encoder.trainable) {
    const g = grads[v.name];
    if (g) out.set(name, g);
  }
  return out;
}

/** MNRL loss and its gradient w.r.t. every encoder parameter, in one pass over the whole batch. */
async function plainLossAndGrads(
  encoder: SentenceEncoder,
  batch: ColumnBatch,
  opts: StepOptions,
): Promise<LossAndGrads> {
  const onePass = opts.columnsInOnePass ?? tf.getBackend() === 'webgpu';
  const tokenBatches = onePass
    ? [encoder.tokenize(batch.columns.flat())]
    : batch.columns.map((texts) => encoder.tokenize(texts));
  const { value, grads } = tf.variableGrads(() => {
    const passes = tokenBatches.map((tb, c) =>
      encoder.embedBatch(tb, { training: opts.training, nextSeed: seeds(opts.dropoutSeed, c, 0) }),
    );
    // One pass: rows [c·B, (c+1)·B) are column c.
    const embeddings = onePass ? tf.split<tf.Tensor2D>(passes[0], batch.columns.length, 0) : passes;
    return batchLoss(embeddings, batch, opts);
  }, [...encoder.trainable.values()]);
  // Read back asynchronously: WebGPU cannot read a GPU buffer synchronously.
  const loss = (await value.data())[0];
  value.dispose();
  return {
    loss,
    grads: byParamName(encoder, grads),
    tokens: tokenBatches.reduce((s, t) => s + t.tokens, 0),
  };
}

/**
 * Cached MNRL (GradCache, Gao et al. 2021; sentence-transformers `CachedMultipleNegativesRankingLoss`):
 * 1. embed every column in mini-batches without a gradient tape;
 * 2. compute the loss on the cached embeddings and its gradient w.r.t. them, dL/dE;
 * 3. replay each mini-batch with the tape and back-propagate Σ E·dL/dE, accumulating the
 *    parameter gradients. By the chain rule this equals the full-batch gradient, while only one
 *    mini-batch's activations are ever alive.
 */
async function cachedLossAndGrads(
  encoder: SentenceEncoder,
  batch: ColumnBatch,
  opts: StepOptions,
  mini: number,
): Promise<LossAndGrads> {
  const chunks = batch.columns.map((texts) => {
    const out: string[][] = [];
    for (let i = 0; i < texts.length; i += mini) out.push(texts.slice(i, i + mini));
    return out;
  });
  const tokenBatches = chunks.map((col) => col.map((texts) => encoder.tokenize(texts)));
  const forward = (c: number, k: number) =>
    encoder.embedBatch(tokenBatches[c][k], {
      training: opts.training,
      nextSeed: seeds(opts.dropoutSeed, c, k),
    });

  // 1. [B, D] per column, no tape.
  const cached = tokenBatches.map((col, c) =>
    tf.tidy(() =>
      tf.concat(
        col.map((_, k) => forward(c, k)),
        0,
      ),
    ),
  );
  // 2. Loss and dL/dE.
  const { value, grads: embeddingGrads } = tf.tidy(() =>
    tf.valueAndGrads((...e: tf.Tensor[]) => batchLoss(e as tf.Tensor2D[], batch, opts))(cached),
  );
  cached.forEach((t) => t.dispose());
  // Read back asynchronously: WebGPU cannot read a GPU buffer synchronously.
  const loss = (await value.data())[0];
  value.dispose();

  // 3. Replay with the tape, accumulating parameter gradients.
  const total = new Map<string, tf.Tensor>();
  tokenBatches.forEach((col, c) => {
    let offset = 0;
    col.forEach((tb, k) => {
      const upstream = tf.slice(embeddingGrads[c], [offset, 0], [tb.batch, -1]);
      offset += tb.batch;
      const { value: surrogate, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(forward(c, k), upstream)),
        [...encoder.trainable.values()],
      );
      surrogate.dispose();
      upstream.dispose();
      for (const [name, g] of byParamName(encoder, grads)) {
        const prev = total.get(name);
        if (prev) {
          total.set(name, tf.add(prev, g));
          prev.dispose();
          g.dispose();
        } else total.set(name, g);
      }
    });
  });
  embeddingGrads.forEach((g) => g.dispose());
  const tokens = tokenBatches.flat().reduce((s, t) => s + t.tokens, 0);
  return { loss, grads: total, tokens };
}

export function lossAndGrads(
  encoder: SentenceEncoder,
  batch: ColumnBatch,
  opts: StepOptions,
): Promise<LossAndGrads> {
  const B = batch.columns[0].length;
  if (opts.miniBatch !== null && opts.miniBatch < B)
    return cachedLossAndGrads(encoder, batch, opts, opts.miniBatch);
  return plainLossAndGrads(encoder, batch, opts);
}
