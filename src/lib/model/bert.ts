import * as tf from '@tensorflow/tfjs';
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

/** `x · Wᵀ + b` for x `[n, in]`, W `[out, in]`. */
function linear(x: tf.Tensor2D, params: BertParams, name: string): tf.Tensor2D {
  return tf.add(
    tf.matMul(x, params.get(`${name}.weight`)!, false, true),
    params.get(`${name}.bias`)!,
  );
}

/** LayerNorm over the last axis with the biased variance, as torch.nn.LayerNorm. */
function layerNorm<T extends tf.Tensor>(x: T, params: BertParams, name: string, eps: number): T {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, params.get(`${name}.weight`)!), params.get(`${name}.bias`)!) as T;
}

/** Exact GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))` (HF "gelu"; the tanh form is off by 3e-4). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T;
}

function dropout<T extends tf.Tensor>(x: T, rate: number, opts: ForwardOptions): T {
  if (!opts.training || rate === 0) return x;
  return tf.dropout(x, rate, undefined, opts.nextSeed?.()) as T;
}

/**
 * Token embeddings of the last layer. `inputIds`, `attentionMask`: `[B, L]` int32.
 * Returns `[B, L, H]`.
 */
export function bertForward(
  config: BertConfig,
  params: BertParams,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  opts: ForwardOptions,
): tf.Tensor3D {
  const [B, L] = inputIds.shape;
  const H = config.hidden_size;
  const nh = config.num_attention_heads;
  const hd = H / nh;
  const eps = config.layer_norm_eps;

  // Embeddings; token_type_ids are all 0 for single sentences, so row 0 of the type table. [B*L, H]
  const words = tf.gather(
    params.get('embeddings.word_embeddings.weight')!,
    tf.reshape(inputIds, [B * L]),
  );
  const positions = tf.slice(params.get('embeddings.position_embeddings.weight')!, [0, 0], [L, H]);
  const tokenType = tf.slice(
    params.get('embeddings.token_type_embeddings.weight')!,
    [0, 0],
    [1, H],
  );
  const summed = tf.add(tf.add(tf.reshape(words, [B, L, H]), positions), tokenType);
  let x = tf.reshape(
    dropout(
      layerNorm(summed, params, 'embeddings.LayerNorm', eps),
      config.hidden_dropout_prob,
      opts,
    ),
    [B * L, H],
  ) as tf.Tensor2D;

  // Additive mask: 0 where attended, a large negative where padded. [B, 1, 1, L]
  const maskAdd = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), -1e9), [
    B,
    1,
    1,
    L,
  ]);
  const scale = 1 / Math.sqrt(hd);
  const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, L, nh, hd]), [0, 2, 1, 3]); // [B, nh, L, hd]

  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    const q = heads(linear(x, params, `${p}attention.self.query`));
    const k = heads(linear(x, params, `${p}attention.self.key`));
    const v = heads(linear(x, params, `${p}attention.self.value`));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), maskAdd); // [B, nh, L, L]
    const probs = dropout(tf.softmax(scores, -1), config.attention_probs_dropout_prob, opts);
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [
      B * L,
      H,
    ]) as tf.Tensor2D;
    const attnOut = dropout(
      linear(context, params, `${p}attention.output.dense`),
      config.hidden_dropout_prob,
      opts,
    );
    x = layerNorm(tf.add(attnOut, x), params, `${p}attention.output.LayerNorm`, eps);

    const inter = gelu(linear(x, params, `${p}intermediate.dense`));
    const out = dropout(
      linear(inter, params, `${p}output.dense`),
      config.hidden_dropout_prob,
      opts,
    );
    x = layerNorm(tf.add(out, x), params, `${p}output.LayerNorm`, eps);
  }
  return tf.reshape(x, [B, L, H]);
}
