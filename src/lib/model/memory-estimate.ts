/** The dimensions of a BERT encoder that decide how much memory training it takes. */
export interface TrainingShape {
  /** Every parameter of the checkpoint (the pooler included). */
  parameters: number;
  layers: number;
  hiddenSize: number;
  heads: number;
  intermediateSize: number;
}

export interface MemoryEstimateOptions {
  /** Pairs per optimizer step (TrainConfig.batchSize). */
  batchSize: number;
  /** Tokens per text after truncation: the longest text of a batch sets it (padding is per batch). */
  seqLength: number;
  /** Texts per pair: anchor + positive (2), plus one per hard-negative column. */
  columns?: number;
  /** GradCache mini-batch (TrainConfig.miniBatch): texts embedded with gradients at once; null = all. */
  miniBatch?: number | null;
}

/** Bytes, by what holds them. */
export interface MemoryEstimate {
  weights: number;
  gradients: number;
  /** AdamW's first and second moments. */
  optimizer: number;
  /** What the autodiff tape keeps for the backward pass (plus GradCache's embedding cache). */
  activations: number;
  total: number;
  /** Texts whose activations are alive at once. */
  textsInFlight: number;
}

const FLOAT32 = 4;

/**
 * Memory one float32 training step needs, as an estimate (the backend's allocator, kernels'
 * scratch space and the tokenizer are not counted):
 *
 *   weights + gradients + AdamW m and v = 4 · P · 4 bytes
 *   activations = 4 bytes · N · T · (L · (17·H + 2·I + 4·A·T) + 5·H)
 *
 * with P parameters, L layers, hidden size H, intermediate size I, A attention heads, T tokens
 * per text and N texts in flight (batchSize · columns, or the GradCache mini-batch). Per token,
 * what the tape keeps for the backward pass of one post-LN BERT layer:
 *   attention:    input x (H), Q K V (3H), scores and softmax (2·A·T), dropout mask and output
 *                 on the probabilities (2·A·T), context (H), output dense + dropout mask/output +
 *                 residual sum (4H), LayerNorm normalised input and output (2H) → 11H + 4·A·T
 *   feed-forward: intermediate before and after GELU (2I), output dense + dropout mask/output +
 *                 residual sum (4H), LayerNorm (2H) → 2I + 6H
 * and once, the embeddings: the summed lookups (H), LayerNorm (2H), dropout mask and output (2H).
 * GradCache adds its cache of every text's embedding and that embedding's gradient: 2 · B·c · H.
 * Attention grows with T² (4·A·T per token), which is why long texts cost far more than big batches.
 */
export function estimateTrainingMemory(
  shape: TrainingShape,
  options: MemoryEstimateOptions,
): MemoryEstimate {
  const { batchSize, seqLength } = options;
  const columns = options.columns ?? 2;
  const { parameters: P, layers: L, hiddenSize: H, heads: A, intermediateSize: I } = shape;
  const texts = batchSize * columns;
  const inFlight = options.miniBatch ? Math.min(options.miniBatch, texts) : texts;
  const perToken = L * (17 * H + 2 * I + 4 * A * seqLength) + 5 * H;
  const cache = options.miniBatch ? 2 * texts * H : 0;
  const weights = P * FLOAT32;
  const activations = FLOAT32 * (inFlight * seqLength * perToken + cache);
  return {
    weights,
    gradients: weights,
    optimizer: 2 * weights,
    activations,
    total: 4 * weights + activations,
    textsInFlight: inFlight,
  };
}
