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

/** Tensors by HF name: the encoder's variables, plus any an adapter adds under names of its own. */
export type ParamLookup = ReadonlyMap<string, tf.Tensor>;

/**
 * A term added to a Linear layer's output (LoRA): `module` is its path
 * ("encoder.layer.0.attention.self.query"), x its input `[n, in]`; returns `[n, out]`, or null
 * where the module has none. Reads its tensors from `params`, so a recomputed layer sees the same.
 */
export type LinearDelta = (
  module: string,
  x: tf.Tensor2D,
  params: ParamLookup,
  opts: ForwardOptions,
) => tf.Tensor2D | null;

export interface ForwardOptions {
  training: boolean;
  /** Seeds for dropout masks, drawn in a fixed order so a replayed forward (GradCache, resume) draws the same masks. */
  nextSeed?: () => number;
  linearDelta?: LinearDelta;
  /**
   * Gradient checkpointing: the tape keeps only each layer's input, and the backward pass
   * recomputes one layer at a time, so one layer's activations are alive instead of all of them
   * (one more forward pass of compute). Names the tensors gradients are taken for.
   */
  recompute?: ReadonlySet<string>;
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

const weight = <T extends tf.Tensor = tf.Tensor2D>(params: ParamLookup, name: string) =>
  params.get(`${name}.weight`)! as T;
const bias = (params: ParamLookup, name: string) => params.get(`${name}.bias`)! as tf.Tensor1D;

/** y plus the adapter's term for `module`, if it has one. */
function withDelta(
  y: tf.Tensor2D,
  module: string,
  x: tf.Tensor2D,
  params: ParamLookup,
  opts: ForwardOptions,
): tf.Tensor2D {
  const delta = opts.linearDelta?.(module, x, params, opts);
  return delta ? tf.add(y, delta) : y;
}

/** `x · Wᵀ + b` (+ the adapter's term) for x `[n, in]`, W `[out, in]`. */
const dense = (x: tf.Tensor2D, params: ParamLookup, name: string, opts: ForwardOptions) =>
  withDelta(linear(x, weight(params, name), bias(params, name)), name, x, params, opts);

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
  params: ParamLookup,
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
    x = opts.recompute
      ? recomputedLayer(config, params, l, x, maskAdd, opts, opts.recompute)
      : encoderLayer(config, params, l, x, maskAdd, opts);
  }
  return tf.reshape(x, [B, L, H]);
}

/** One post-LN layer: `[n, H]` → `[n, H]`, n = batch · tokens. */
function encoderLayer(
  config: BertConfig,
  params: ParamLookup,
  l: number,
  x: tf.Tensor2D,
  maskAdd: tf.Tensor4D,
  opts: ForwardOptions,
): tf.Tensor2D {
  const p = `encoder.layer.${l}.`;
  const eps = config.layer_norm_eps;
  const hiddenDropout = config.hidden_dropout_prob;
  const layer = (name: string) => [weight(params, p + name), bias(params, p + name)] as const;
  const norm = (name: string) => [weight<tf.Tensor1D>(params, name), bias(params, name)] as const;
  const [q0, k0, v0] = linear3(x, [
    layer('attention.self.query'),
    layer('attention.self.key'),
    layer('attention.self.value'),
  ]);
  const self = (name: string, y: tf.Tensor2D) =>
    withDelta(y, `${p}attention.self.${name}`, x, params, opts);
  const context = selfAttention(self('query', q0), self('key', k0), self('value', v0), maskAdd, {
    heads: config.num_attention_heads,
    dropout: dropoutSite(config.attention_probs_dropout_prob, opts),
  });
  // LayerNorm(dropout(dense(·)) + residual), twice per layer.
  const attnOut = dense(context, params, `${p}attention.output.dense`, opts);
  const h = addLayerNorm(
    attnOut,
    x,
    ...norm(`${p}attention.output.LayerNorm`),
    eps,
    dropoutSite(hiddenDropout, opts),
  );
  const inter = gelu(dense(h, params, `${p}intermediate.dense`, opts));
  const out = dense(inter, params, `${p}output.dense`, opts);
  return addLayerNorm(
    out,
    h,
    ...norm(`${p}output.LayerNorm`),
    eps,
    dropoutSite(hiddenDropout, opts),
  );
}

/**
 * `encoderLayer` as one tape node (Chen et al. 2016, "Training deep nets with sublinear memory
 * cost"): forward runs off the tape and saves only x and the mask; backward replays the layer
 * with the same dropout seeds under its own tape, takes the gradients of x and of the layer's
 * trainable tensors, and frees the saved input at once.
 */
function recomputedLayer(
  config: BertConfig,
  params: ParamLookup,
  l: number,
  x: tf.Tensor2D,
  maskAdd: tf.Tensor4D,
  opts: ForwardOptions,
  trainable: ReadonlySet<string>,
): tf.Tensor2D {
  const prefix = `encoder.layer.${l}.`;
  const names = [...params.keys()].filter((n) => n.startsWith(prefix) && trainable.has(n));
  const seeds: number[] = [];
  const draw = opts.nextSeed;
  const recording: ForwardOptions = {
    ...opts,
    recompute: undefined,
    nextSeed: draw && (() => (seeds.push(draw()), seeds[seeds.length - 1])),
  };
  const run = (input: tf.Tensor2D, mask: tf.Tensor4D, tensors: tf.Tensor[], o: ForwardOptions) => {
    const lookup = new Map(params);
    names.forEach((n, i) => lookup.set(n, tensors[i]));
    return encoderLayer(config, lookup, l, input, mask, o);
  };
  const layer = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, ...tensors] = args as tf.Tensor[];
    save([input as tf.Tensor2D, maskAdd]);
    return {
      value: run(input as tf.Tensor2D, maskAdd, tensors, recording),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        let i = 0;
        const replay: ForwardOptions = { ...recording, nextSeed: () => seeds[i++] };
        const [savedInput, savedMask] = saved as [tf.Tensor2D, tf.Tensor4D];
        // A nested gradient ends by dropping the engine's tape, the outer one that is mid-backward:
        // put it back so the outer pass can free its saved tensors when it is done.
        const state = tf.engine().state as unknown as { activeTape: unknown };
        const outerTape = state.activeTape;
        const grads = tf.grads((...xs: tf.Tensor[]) =>
          run(xs[0] as tf.Tensor2D, savedMask, xs.slice(1), replay),
        )([savedInput, ...tensors], dy);
        state.activeTape = outerTape;
        saved.forEach((t) => t.dispose());
        return grads;
      },
    };
  });
  return layer(x, ...names.map((n) => params.get(n)!)) as tf.Tensor2D;
}
