import * as tf from '@tensorflow/tfjs';
import {
  addLayerNorm,
  embeddingLookup,
  gelu,
  linear,
  linear3,
  selfAttention,
  type DropoutSite,
} from '../kernels/index.ts';
import type { BertConfig } from './config.ts';
import { expectedShapes } from './folder.ts';
import type { NamedTensor } from './safetensors.ts';

/**
 * HF `BertModel` (post-LN transformer encoder) in TensorFlow.js, matching transformers 4.x:
 * word + position + token-type embeddings → LayerNorm → dropout, then per layer
 * self-attention (additive mask) → dense → dropout → LayerNorm(x + residual), then
 * dense → exact-erf GELU → dense → dropout → LayerNorm(x + residual).
 * Linear weights are stored `[out, in]` as in PyTorch, so every projection is `x · Wᵀ + b`.
 */

/** Trainable encoder parameters by HF name; tensors that the forward pass never reads (the pooler) live elsewhere. */
export type BertParams = Map<string, tf.Variable>;

export interface ForwardOptions {
  training: boolean;
  /** Seeds for dropout masks, drawn in a fixed order so a replayed forward (GradCache, resume) draws the same masks. */
  nextSeed?: () => number;
}

/** Turns stored weights into trainable variables: every tensor the encoder reads, nothing else. */
export function createParams(config: BertConfig, weights: Map<string, NamedTensor>): BertParams {
  const params: BertParams = new Map();
  for (const name of expectedShapes(config).keys()) {
    const t = weights.get(name)!;
    // Inside tidy, the initial tensor is released once the variable holds its data.
    params.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape, 'float32'), true)),
    );
  }
  return params;
}

export function disposeParams(params: BertParams): void {
  for (const v of params.values()) v.dispose();
}

const weight = <T extends tf.Tensor = tf.Tensor2D>(params: BertParams, name: string) =>
  params.get(`${name}.weight`)! as tf.Tensor as T;
const bias = (params: BertParams, name: string) => params.get(`${name}.bias`)! as tf.Tensor1D;

/** `x · Wᵀ + b` for x `[n, in]`, W `[out, in]`. */
const dense = (x: tf.Tensor2D, params: BertParams, name: string) =>
  linear(x, weight(params, name), bias(params, name));

/** The next dropout site (rate and seed), or null when dropout is off. */
function dropoutSite(rate: number, opts: ForwardOptions): DropoutSite | null {
  if (!opts.training || rate === 0) return null;
  return { rate, seed: opts.nextSeed?.() };
}

/**
 * Token embeddings of the last layer. `inputIds`, `attentionMask`, `tokenTypeIds`: `[B, L]` int32;
 * without `tokenTypeIds` every token is type 0 (a single sentence). Returns `[B, L, H]`.
 */
export function bertForward(
  config: BertConfig,
  params: BertParams,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  opts: ForwardOptions,
  tokenTypeIds?: tf.Tensor2D,
): tf.Tensor3D {
  const [B, L] = inputIds.shape;
  const H = config.hidden_size;
  const eps = config.layer_norm_eps;
  const hiddenDropout = config.hidden_dropout_prob;

  // Embeddings. [B*L, H]
  const words = embeddingLookup(
    weight(params, 'embeddings.word_embeddings'),
    tf.reshape(inputIds, [B * L]),
  );
  const positions = tf.slice(
    weight(params, 'embeddings.position_embeddings'),
    [0, 0],
    [L, H],
  ) as tf.Tensor2D;
  const typeTable = weight(params, 'embeddings.token_type_embeddings');
  const norm = (name: string) => [weight<tf.Tensor1D>(params, name), bias(params, name)] as const;
  // dropout(LayerNorm(words + type + positions)); the [L, H] rows broadcast over the batch. A
  // single sentence is all type 0, so row 0 of the type table joins the positions; a pair
  // (`[CLS] a [SEP] b [SEP]`, types 0 then 1) looks its types up per token, summed in HF's order.
  const typed = (ids: tf.Tensor2D): tf.Tensor2D =>
    tf.add(words, embeddingLookup(typeTable, tf.reshape(ids, [B * L])));
  const tokens = tokenTypeIds ? typed(tokenTypeIds) : words;
  const residual: tf.Tensor2D = tokenTypeIds
    ? positions
    : tf.add(positions, tf.slice(typeTable, [0, 0], [1, H]));
  let x = addLayerNorm(
    tokens,
    residual,
    ...norm('embeddings.LayerNorm'),
    eps,
    null,
    dropoutSite(hiddenDropout, opts),
  );

  // Additive mask: 0 where attended, a large negative where padded. [B, 1, 1, L]
  const maskAdd = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), -1e9), [
    B,
    1,
    1,
    L,
  ]) as tf.Tensor4D;

  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    const layer = (name: string) => [weight(params, p + name), bias(params, p + name)] as const;
    const [q, k, v] = linear3(x, [
      layer('attention.self.query'),
      layer('attention.self.key'),
      layer('attention.self.value'),
    ]);
    const context = selfAttention(q, k, v, maskAdd, {
      heads: config.num_attention_heads,
      dropout: dropoutSite(config.attention_probs_dropout_prob, opts),
    });
    // LayerNorm(dropout(dense(·)) + residual), twice per layer.
    const attnOut = dense(context, params, `${p}attention.output.dense`);
    x = addLayerNorm(
      attnOut,
      x,
      ...norm(`${p}attention.output.LayerNorm`),
      eps,
      dropoutSite(hiddenDropout, opts),
    );
    const inter = gelu(dense(x, params, `${p}intermediate.dense`));
    const out = dense(inter, params, `${p}output.dense`);
    x = addLayerNorm(
      out,
      x,
      ...norm(`${p}output.LayerNorm`),
      eps,
      dropoutSite(hiddenDropout, opts),
    );
  }
  return tf.reshape(x, [B, L, H]);
}
