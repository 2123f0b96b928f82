import type { TrainConfig } from './config.ts';
import { formatBytes } from '../util/format.ts';
import { loraParameterCount } from './lora-modules.ts';

/** The dimensions of a BERT encoder that decide how much memory training it takes. */
export interface TrainingShape {
  /** Every parameter of the checkpoint (the pooler included). */
  parameters: number;
  layers: number;
  hiddenSize: number;
  heads: number;
  intermediateSize: number;
  /** Needed for frozen embeddings and the largest-buffer check; absent = not counted. */
  vocabSize?: number;
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
  /** Parameters that get a gradient and AdamW moments (LoRA's adapters, or all but frozen ones); default all. */
  trainable?: number;
  /** Extra parameters held beside the checkpoint's (LoRA's A and B). */
  extraWeights?: number;
  /** Gradient checkpointing: the tape keeps each layer's input, and one layer is recomputed at a time. */
  recompute?: boolean;
  /** Elements of the largest trained tensor (the word embeddings, unless frozen or LoRA); default 0. */
  largestTrainable?: number;
  /**
   * Encoder passes whose dense word-embedding gradients `[V, H]` autodiff sums at the end of
   * backward: one per column where the plain step embeds each column on its own (every backend
   * but WebGPU) and the table trains; default 1 (nothing beyond the gradient itself).
   */
  wordEmbeddingPasses?: number;
}

/** Bytes, by what holds them. */
export interface MemoryEstimate {
  weights: number;
  gradients: number;
  /** AdamW's first and second moments. */
  optimizer: number;
  /** What the autodiff tape keeps for the backward pass (plus GradCache's embedding cache). */
  activations: number;
  /**
   * Held only while backward runs (its transients, and GradCache's replayed gradients beside their
   * running sum) or while AdamW writes one run's new weights and moments, whichever is more.
   */
  workspace: number;
  /**
   * Heap the allocator holds but cannot hand out again: parameter-sized tensors freed and made
   * anew every step (gradients, GradCache's sums, AdamW's new buffers) leave holes between the
   * ones that stay.
   */
  fragmentation: number;
  total: number;
  /** Texts whose activations are alive at once. */
  textsInFlight: number;
  /** The biggest single tensor: a WebGPU buffer must hold it whole. */
  largestTensor: number;
}

const FLOAT32 = 4;
/**
 * What backward holds beyond the tape, as a share of the tape: each layer's incoming and outgoing
 * activation gradients, kernels' scratch copies, the wasm heap's growth steps. Measured on wasm:
 * MiniLM-L6 (6×384) at 16 pairs × 128 tokens grew the heap to 2,419 MB where weights, gradients,
 * moments and the tape come to 1,849 MB (1,506 MB of it the tape): (2,419 − 16 − 343) / 1,506 = 1.37.
 */
const BACKWARD_TRANSIENTS = 0.4;

/**
 * The heap's fragmentation, as a share of the gradients and moments (12 bytes per trained
 * parameter). Measured on wasm at the second step (the heap then holds step 1's layout, and it
 * never shrinks), with gradient checkpointing:
 *   bge-base shape, 32 × 128 tokens, GradCache 8 (the CLI run): heap 3.11 GB, the plan's tensors
 *     2.40 GB → 0.71 / 1.31 = 0.54;
 *   bge-base shape, 32 × 16 tokens, GradCache 8: heap 2.84 GB, `tf.profile` peak 2.27 GB → 0.44;
 *     without GradCache: heap 2.98 GB, the plan's tensors 2.21 GB → 0.59;
 *   4 × 384 encoder, 32 × 128 tokens, GradCache 8: heap 606 MB, `tf.profile` peak 504 MB → 0.45.
 * LoRA's few trained parameters add next to nothing (its bge-base CLI run: 2.18 GB measured, the
 * plan's tensors 2.21 GB). Rounded up so that the plan stays above the heap.
 */
const HEAP_FRAGMENTATION = 0.6;

/** AdamW updates at most this many parameter values per dispatch (`chunksOf`'s default run). */
const ADAMW_RUN = 2 ** 24;

/**
 * Memory one float32 training step needs, as an estimate (kernels' scratch space and the
 * tokenizer are not counted):
 *
 *   weights = 4 · P        gradients = 4 · P_t        AdamW m and v = 8 · P_t
 *   activations = 4 bytes · N · T · (L · (17·H + 2·I + 4·A·T) + 5·H)
 *
 * with P parameters (P_t of them trained), L layers, hidden size H, intermediate size I, A
 * attention heads, T tokens per text and N texts in flight (batchSize · columns, or the GradCache
 * mini-batch). Per token, what the tape keeps for the backward pass of one post-LN BERT layer:
 *   attention:    input x (H), Q K V (3H), scores and softmax (2·A·T), dropout mask and output
 *                 on the probabilities (2·A·T), context (H), output dense + dropout mask/output +
 *                 residual sum (4H), LayerNorm normalised input and output (2H) → 11H + 4·A·T
 *   feed-forward: intermediate before and after GELU (2I), output dense + dropout mask/output +
 *                 residual sum (4H), LayerNorm (2H) → 2I + 6H
 * and once, the embeddings: the summed lookups (H), LayerNorm (2H), dropout mask and output (2H).
 * With gradient checkpointing the tape keeps only each layer's input (L·H per token) and one layer
 * is alive again while it is recomputed. GradCache adds its cache of every text's embedding and
 * that embedding's gradient (2 · B·c · H), and while it replays a mini-batch, that mini-batch's
 * gradients sit beside their running sum (4 · P_t more). Backward's own transients are a measured
 * share of the tape (BACKWARD_TRANSIENTS). A plain step that embeds each of c columns in a pass
 * of its own gets c dense word-embedding gradients, alive with their sum: 4 · c · V·H more.
 * AdamW writes each run of ≤ 2²⁴ values (or one larger tensor alone) as new weights and moments
 * before it frees the old (on cpu and wasm; WebGPU updates in place, so there this term only
 * over-counts): 3 · 4 · run bytes, which is the step's peak instead when it exceeds the tape and
 * backward's workspace. Parameter-sized
 * tensors made and freed every step fragment the heap by a measured share of the gradients and
 * moments (HEAP_FRAGMENTATION · 12 · P_t bytes).
 * Attention grows with T² (4·A·T per token), which is why long texts cost far more than big batches.
 */
export function estimateTrainingMemory(
  shape: TrainingShape,
  options: MemoryEstimateOptions,
): MemoryEstimate {
  const { batchSize, seqLength: T } = options;
  const columns = options.columns ?? 2;
  const { parameters: P, layers: L, hiddenSize: H, heads: A, intermediateSize: I } = shape;
  const trainable = options.trainable ?? P;
  const texts = batchSize * columns;
  const inFlight = options.miniBatch ? Math.min(options.miniBatch, texts) : texts;
  const perLayer = 17 * H + 2 * I + 4 * A * T;
  const perToken = options.recompute ? L * H + perLayer + 5 * H : L * perLayer + 5 * H;
  const cache = options.miniBatch ? 2 * texts * H : 0;
  const weights = (P + (options.extraWeights ?? 0)) * FLOAT32;
  const gradients = trainable * FLOAT32;
  const tape = FLOAT32 * inFlight * T * perToken;
  const activations = tape + FLOAT32 * cache;
  const passes = options.wordEmbeddingPasses ?? 1;
  const backward =
    (options.miniBatch ? gradients : 0) +
    FLOAT32 * Math.round((BACKWARD_TRANSIENTS * tape) / FLOAT32) +
    (passes > 1 && shape.vocabSize ? FLOAT32 * passes * shape.vocabSize * H : 0);
  const adamwRun =
    3 * FLOAT32 * Math.max(Math.min(ADAMW_RUN, trainable), options.largestTrainable ?? 0);
  const workspace = Math.max(backward, adamwRun - activations);
  const fragmentation = FLOAT32 * Math.round(HEAP_FRAGMENTATION * 3 * trainable);
  const largestTensor =
    FLOAT32 *
    Math.max(inFlight * A * T * T, inFlight * T * I, shape.vocabSize ? shape.vocabSize * H : 0);
  return {
    weights,
    gradients,
    optimizer: 2 * gradients,
    activations,
    workspace,
    fragmentation,
    total: weights + 3 * gradients + activations + workspace + fragmentation,
    textsInFlight: inFlight,
    largestTensor,
  };
}

/** What the backend can hold. */
export interface MemoryBudget {
  backend: string;
  /** Bytes a run may fill; null where the backend does not tell (plain JavaScript, WebGPU's total). */
  bytes: number | null;
  /** WebGPU: the largest buffer (and storage binding) the device allows; null elsewhere. */
  maxBufferBytes: number | null;
}

/** wasm32 addresses 4 GiB. */
export const WASM_HEAP_BYTES = 2 ** 32;
/** Kept free of the plan on wasm: the runtime, kernels' scratch copies, allocator fragmentation. */
export const WASM_RESERVE_BYTES = 512 * 2 ** 20;

/**
 * The backend's budget. wasm: the 4 GiB heap less `loadedBytes` (tensors already held outside the
 * plan) and a reserve; webgpu: the device's buffer limits (WebGPU does not tell the total).
 */
export function memoryBudget(
  backend: string,
  loadedBytes: number,
  limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number },
): MemoryBudget {
  if (backend === 'wasm')
    return {
      backend,
      bytes: WASM_HEAP_BYTES - WASM_RESERVE_BYTES - loadedBytes,
      maxBufferBytes: null,
    };
  if (backend === 'webgpu' && limits && limits.maxBufferSize > 0)
    return {
      backend,
      bytes: null,
      maxBufferBytes: Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize),
    };
  return { backend, bytes: null, maxBufferBytes: null };
}

/** What a plan needs to know about the model and the data beyond TrainConfig. */
export interface PlanContext {
  shape: Required<TrainingShape>;
  /** The model's own token limit (sentence_bert_config.json's max_seq_length). */
  modelMaxSeqLength: number;
  /** Tokens of the longest text in the data, untruncated (padding is per batch: the worst batch). */
  longestText: number;
  /** Texts per pair: 2 plus the hard-negative columns. */
  columns: number;
  budget: MemoryBudget;
}

export interface MemoryPlan extends MemoryEstimate {
  seqLength: number;
  /** Gradient checkpointing is needed (and used) to fit. */
  recompute: boolean;
  fits: boolean;
  /** Why it does not fit, in words; null when it does. */
  problem: string | null;
}

/** The settings of TrainConfig a plan reads. */
export type PlanSettings = Pick<
  TrainConfig,
  'batchSize' | 'miniBatch' | 'maxSeqLength' | 'freezeEmbeddings' | 'loraRank' | 'loraTargets'
>;

function estimateFor(ctx: PlanContext, s: PlanSettings, recompute: boolean) {
  const seqLength = Math.min(ctx.longestText, s.maxSeqLength ?? ctx.modelMaxSeqLength);
  const { shape } = ctx;
  const lora = s.loraRank === null ? 0 : loraParameterCount(ctx.shape, s.loraRank, s.loraTargets);
  const pooler = shape.hiddenSize * shape.hiddenSize + shape.hiddenSize;
  // The pooler never gets a gradient (sentence embeddings do not read it).
  const full =
    shape.parameters - pooler - (s.freezeEmbeddings ? shape.vocabSize * shape.hiddenSize : 0);
  const estimate = estimateTrainingMemory(shape, {
    batchSize: s.batchSize,
    seqLength,
    columns: ctx.columns,
    miniBatch: s.miniBatch,
    trainable: lora || full,
    extraWeights: lora,
    recompute,
    largestTrainable: lora || s.freezeEmbeddings ? 0 : shape.vocabSize * shape.hiddenSize,
    // The plain step's pass per column (`StepOptions.columnsInOnePass`: one pass on WebGPU only).
    wordEmbeddingPasses:
      lora ||
      s.freezeEmbeddings ||
      (s.miniBatch !== null && s.miniBatch < s.batchSize) ||
      ctx.budget.backend === 'webgpu'
        ? 1
        : ctx.columns,
  });
  return { ...estimate, seqLength };
}

function verdict(ctx: PlanContext, e: MemoryEstimate): string | null {
  const { bytes, maxBufferBytes, backend } = ctx.budget;
  if (bytes !== null && e.total > bytes)
    return `needs ${formatBytes(e.total)} of memory; the ${backend} backend has ${formatBytes(bytes)}`;
  if (maxBufferBytes !== null && e.largestTensor > maxBufferBytes)
    return `needs a ${formatBytes(e.largestTensor)} buffer; this GPU allows ${formatBytes(maxBufferBytes)}`;
  return null;
}

/** The memory a run will take, with gradient checkpointing switched on only when that makes it fit. */
export function planTraining(ctx: PlanContext, settings: PlanSettings): MemoryPlan {
  const plain = estimateFor(ctx, settings, false);
  const problem = verdict(ctx, plain);
  if (problem === null) return { ...plain, recompute: false, fits: true, problem: null };
  const recomputed = estimateFor(ctx, settings, true);
  if (verdict(ctx, recomputed) === null)
    return { ...recomputed, recompute: true, fits: true, problem: null };
  return { ...plain, recompute: false, fits: false, problem };
}

/** A change of settings that makes a plan fit: the flags the CLI takes and the patch the page applies. */
export interface MemoryFix {
  kind: 'mini-batch' | 'lora' | 'max-tokens' | 'freeze-embeddings';
  label: string;
  flags: string;
  patch: Partial<TrainConfig>;
  plan: MemoryPlan;
}

const LORA_RANK = 16;

/**
 * Fixes that make the plan fit, one per kind, in the order to try them: a GradCache mini-batch
 * (the same loss and gradients), LoRA (alone, then with a mini-batch), fewer tokens per text
 * (alone, then with a mini-batch), frozen word embeddings. Each is the mildest of its kind.
 */
export function memoryFixes(ctx: PlanContext, settings: PlanSettings): MemoryFix[] {
  const fixes: MemoryFix[] = [];
  const minis = [64, 32, 16, 8, 4, 2, 1].filter(
    (m) => m < (settings.miniBatch ?? Infinity) && m < settings.batchSize,
  );
  const tryPatch = (kind: MemoryFix['kind'], patch: Partial<PlanSettings>) => {
    const plan = planTraining(ctx, { ...settings, ...patch });
    if (!plan.fits) return false;
    const flags = Object.entries(patch)
      .map(([k, v]) => (k === 'freezeEmbeddings' ? '--freeze-embeddings' : `--${FLAG[k]} ${v}`))
      .join(' ');
    const label = Object.entries(patch)
      .map(([k, v]) => LABEL[k](v as never))
      .join(' and ');
    fixes.push({ kind, label, flags, patch, plan });
    return true;
  };
  minis.some((m) => tryPatch('mini-batch', { miniBatch: m }));
  if (settings.loraRank === null)
    [null, ...minis].some((m) =>
      tryPatch(
        'lora',
        m === null ? { loraRank: LORA_RANK } : { loraRank: LORA_RANK, miniBatch: m },
      ),
    );
  const current = Math.min(ctx.longestText, settings.maxSeqLength ?? ctx.modelMaxSeqLength);
  const lengths = [256, 128, 64, 32].filter((t) => t < current);
  if (!lengths.some((t) => tryPatch('max-tokens', { maxSeqLength: t })))
    lengths.some((t) =>
      minis.some((m) => tryPatch('max-tokens', { maxSeqLength: t, miniBatch: m })),
    );
  if (!settings.freezeEmbeddings && settings.loraRank === null)
    tryPatch('freeze-embeddings', { freezeEmbeddings: true });
  return fixes;
}

const FLAG: Record<string, string> = {
  miniBatch: 'mini-batch',
  loraRank: 'lora-rank',
  maxSeqLength: 'max-seq-length',
};

const LABEL: Record<string, (v: never) => string> = {
  miniBatch: (m: number) => `GradCache mini-batch ${m}`,
  loraRank: (r: number) => `LoRA rank ${r}`,
  maxSeqLength: (t: number) => `${t} tokens per text`,
  freezeEmbeddings: () => 'frozen word embeddings',
};

/** One line for a plan that does not fit: the memory it needs and the first fix, if any. */
export function refusal(plan: MemoryPlan, fixes: MemoryFix[]): string {
  const fix = fixes[0];
  return fix
    ? `this run ${plan.problem}; try ${fix.flags} (${fix.label}: ${formatBytes(fix.plan.total)})`
    : `this run ${plan.problem}, and no mini-batch, LoRA or shorter texts bring it under; try a smaller model`;
}

/** The messages the backends give when memory runs out (wasm's heap, a WebGPU buffer, V8's arrays). */
const OUT_OF_MEMORY =
  /memory access out of bounds|Aborted\(OOM\)|out of memory|Cannot enlarge memory|Failed to allocate|Array buffer allocation failed|Invalid typed array length|createBuffer/i;

/** An error that says the backend ran out of memory (the run then stops at its last checkpoint). */
export function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && OUT_OF_MEMORY.test(`${e.name} ${e.message}`);
}
