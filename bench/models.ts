import type { BertConfig } from '../src/lib/model/config.ts';
import { expectedShapes, type SentenceModel } from '../src/lib/model/folder.ts';
import type { NamedTensor } from '../src/lib/model/safetensors.ts';
import type { TrainingPair } from '../src/lib/data/pairs.ts';
import { mulberry32 } from '../src/lib/util/random.ts';

/**
 * The model shapes the bench trains. `tiny` is the test fixture as it is (its own weights and
 * CSV, three columns: the reference step of the parity tests); the others are BERT shapes with
 * random weights, trained on anchor/positive pairs whose texts all fill `tokens` exactly, so that
 * tfjs and the PyTorch script see the same tensor shapes.
 */
export interface ShapeSpec {
  id: 'tiny' | 'small' | 'minilm' | 'minilm-32x128' | 'bge-base' | 'sample';
  label: string;
  /** Pairs per batch. */
  batch: number;
  /** Tokens per text (synthetic shapes only; the fixture pads each column to its longest row). */
  tokens: number;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
}

export const SHAPES: Record<ShapeSpec['id'], ShapeSpec> = {
  tiny: {
    id: 'tiny',
    label: 'tiny fixture 2×32, batch 8 × ≤24 tokens, 3 columns',
    batch: 8,
    tokens: 24,
    layers: 2,
    hidden: 32,
    heads: 4,
    intermediate: 64,
    vocab: 280,
  },
  small: {
    id: 'small',
    label: 'small 4×128, batch 16 × 32 tokens',
    batch: 16,
    tokens: 32,
    layers: 4,
    hidden: 128,
    heads: 2,
    intermediate: 512,
    vocab: 30522,
  },
  minilm: {
    id: 'minilm',
    label: 'MiniLM-L6 6×384, batch 8 × 32 tokens',
    batch: 8,
    tokens: 32,
    layers: 6,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    vocab: 30522,
  },
  // The shapes of the GPU comparison (issue 16): a real batch, MiniLM and bge-base sized.
  'minilm-32x128': {
    id: 'minilm-32x128',
    label: 'MiniLM-L6 6×384, batch 32 × 128 tokens',
    batch: 32,
    tokens: 128,
    layers: 6,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    vocab: 30522,
  },
  'bge-base': {
    id: 'bge-base',
    label: 'bge-base 12×768, batch 32 × 128 tokens',
    batch: 32,
    tokens: 128,
    layers: 12,
    hidden: 768,
    heads: 12,
    intermediate: 3072,
    vocab: 30522,
  },
  sample: {
    id: 'sample',
    label:
      'sample dataset (fasteners.csv: query, positive, negative) on MiniLM-L6 6×384, batch 32, ≤ 256 tokens',
    batch: 32,
    tokens: 256,
    layers: 6,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    vocab: 30522,
  },
};

export function bertConfigOf(spec: ShapeSpec): BertConfig {
  return {
    model_type: 'bert',
    vocab_size: spec.vocab,
    hidden_size: spec.hidden,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    intermediate_size: spec.intermediate,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    position_embedding_type: 'absolute',
  };
}

/** BERT's initialisation (normal, σ 0.02; LayerNorm 1 and 0; biases 0) from a fixed seed. */
function randomWeights(config: BertConfig, seed: number): Map<string, NamedTensor> {
  const uniform = mulberry32(seed);
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()) * 0.02;
  const weights = new Map<string, NamedTensor>();
  for (const [name, shape] of expectedShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.includes('LayerNorm.weight')) data.fill(1);
    else if (!name.endsWith('bias')) for (let i = 0; i < data.length; i++) data[i] = normal();
    weights.set(name, { shape, data });
  }
  return weights;
}

/**
 * A synthetic sentence model of `spec`'s shape that borrows the fixture's tokenizer (its 280
 * WordPiece ids are valid rows of any larger vocabulary) and truncates at `spec.tokens`.
 */
export function syntheticModel(spec: ShapeSpec, fixture: SentenceModel): SentenceModel {
  const config = bertConfigOf(spec);
  return {
    ...fixture,
    source: `synthetic:${spec.id}`,
    config,
    rawConfig: { ...config },
    maxSeqLength: spec.tokens,
    pooling: 'mean',
    normalize: false,
    weights: randomWeights(config, 1234),
  };
}

/**
 * Pairs whose texts are long enough to be truncated at any `tokens` ≤ 128: every column of every
 * batch is then exactly `tokens` wide with no padding, and no text repeats (no-duplicates
 * batching never drops one).
 */
export function syntheticPairs(fixturePairs: TrainingPair[], count: number): TrainingPair[] {
  const words = fixturePairs.flatMap((p) => `${p.query} ${p.positive}`.split(/\s+/));
  const random = mulberry32(99);
  const text = (i: number) => {
    const picked = Array.from({ length: 150 }, () => words[Math.floor(random() * words.length)]);
    return `${i} ${picked.join(' ')}`;
  };
  return Array.from({ length: count }, (_, i) => ({
    query: text(2 * i),
    positive: text(2 * i + 1),
    negatives: [],
  }));
}

/** The fixture CSV (it has no quoted commas: a plain split is exact) as training pairs. */
export function parseFixturePairs(csv: string): TrainingPair[] {
  const [, ...lines] = csv.trim().split('\n');
  return lines.map((l) => {
    const [query, positive, negative] = l.split(',');
    return { query, positive, negatives: [negative] };
  });
}

/**
 * Multiply-add FLOPs of one training step's matrix products (2 per multiply-add): per column of
 * n = batch × tokens tokens and per layer, the Q/K/V/output projections (4·2·n·h²), the FFN
 * (2·2·n·h·i) and attention's QKᵀ and P·V (2·2·batch·L²·h); backward costs twice the forward.
 * Embedding gathers, LayerNorm and the loss are O(n·h): left out, so GFLOP/s is a lower bound.
 */
export function stepMatmulFlops(spec: ShapeSpec, columns: number): number {
  const n = spec.batch * spec.tokens;
  const h = spec.hidden;
  const perLayer =
    4 * 2 * n * h * h +
    2 * 2 * n * h * spec.intermediate +
    2 * 2 * spec.batch * spec.tokens ** 2 * h;
  return 3 * perLayer * spec.layers * columns;
}
