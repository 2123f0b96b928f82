import { parseBertConfig, type BertConfig } from './config.ts';
import { ModelFormatError, UnsupportedModelError } from './errors.ts';
import { readBertWeights, readJson, readTokenizerFiles } from './folder.ts';
import type { NamedTensor } from './safetensors.ts';
import type { ModelSource } from './source.ts';
import { TextTokenizer } from './tokenizer.ts';

/** What `CrossEncoder.predict` applies to the logits before returning them. */
export type CrossEncoderActivation = 'sigmoid' | 'identity';

/** A `BertForSequenceClassification` folder: BERT, its pooler, and a linear head over `labels`. */
export interface CrossEncoderModel {
  source: string;
  config: BertConfig;
  tokenizer: TextTokenizer;
  /** Tokens per pair, specials included; longer pairs are cut `longest_first`. */
  maxLength: number;
  labels: number;
  activation: CrossEncoderActivation;
  /** Encoder, `pooler.dense.*` and `classifier.*` weights by name (no `bert.` prefix), float32. */
  weights: Map<string, NamedTensor>;
}

export const CROSS_ENCODER_ARCHITECTURE = 'BertForSequenceClassification';

/** The activation class names sentence-transformers writes into config.json. */
const ACTIVATIONS: Record<string, CrossEncoderActivation> = {
  'torch.nn.modules.activation.Sigmoid': 'sigmoid',
  'torch.nn.modules.linear.Identity': 'identity',
};

/**
 * sentence-transformers < 4 reads `sbert_ce_default_activation_function`, ≥ 4
 * `sentence_transformers.activation_fn`; without either, a sigmoid for one label and the logits
 * as they are for several.
 */
function activationOf(raw: Record<string, unknown>, labels: number): CrossEncoderActivation {
  const st = raw.sentence_transformers as { activation_fn?: unknown } | undefined;
  const name = st?.activation_fn ?? raw.sbert_ce_default_activation_function;
  if (name === undefined || name === null) return labels === 1 ? 'sigmoid' : 'identity';
  const known = ACTIVATIONS[String(name)];
  if (!known)
    throw new UnsupportedModelError(
      'config.json',
      `activation ${JSON.stringify(name)} is not supported; Attune applies Sigmoid or Identity`,
    );
  return known;
}

/** HF `PretrainedConfig`: `id2label` fixes the number of labels, else `num_labels`, else 2. */
export function labelsOf(raw: Record<string, unknown>): number {
  const id2label = raw.id2label;
  if (typeof id2label === 'object' && id2label !== null) return Object.keys(id2label).length;
  const n = raw.num_labels;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 2;
}

/**
 * Loads a cross-encoder folder as `CrossEncoder(path)` does. `max_length` is the tokenizer's
 * `model_max_length` (sentence-transformers passes none of its own), capped at the position table;
 * `maxLength` overrides it.
 */
export async function loadCrossEncoderModel(
  source: ModelSource,
  options: { maxLength?: number } = {},
): Promise<CrossEncoderModel> {
  const rawConfig = (await readJson(source, 'config.json')) as Record<string, unknown> | null;
  if (rawConfig === null)
    throw new ModelFormatError('config.json', `is missing from ${source.name}`);
  const config = parseBertConfig(rawConfig);
  const architectures = rawConfig.architectures;
  if (Array.isArray(architectures) && !architectures.includes(CROSS_ENCODER_ARCHITECTURE))
    throw new UnsupportedModelError(
      'config.json',
      `architectures ${JSON.stringify(architectures)} is not a cross-encoder; a reranker is a ${CROSS_ENCODER_ARCHITECTURE}`,
    );
  const labels = labelsOf(rawConfig);
  const activation = activationOf(rawConfig, labels);

  const { tokenizerJson, tokenizerConfig } = await readTokenizerFiles(source);
  const tokenizer = new TextTokenizer(tokenizerJson, tokenizerConfig);
  const modelMax = Number(tokenizerConfig.model_max_length);
  const maxLength =
    options.maxLength ??
    Math.min(config.max_position_embeddings, Number.isFinite(modelMax) ? modelMax : Infinity);
  if (!Number.isInteger(maxLength) || maxLength < 4 || maxLength > config.max_position_embeddings)
    throw new ModelFormatError(
      'tokenizer_config.json',
      `max_length ${maxLength} must be an integer between 4 (a pair's three special tokens and one more) and max_position_embeddings (${config.max_position_embeddings})`,
    );

  const weights = await readBertWeights(source, config);
  const H = config.hidden_size;
  for (const [name, shape] of [
    ['pooler.dense.weight', [H, H]],
    ['pooler.dense.bias', [H]],
    ['classifier.weight', [labels, H]],
    ['classifier.bias', [labels]],
  ] as const) {
    const t = weights.get(name);
    if (!t)
      throw new ModelFormatError(
        'model.safetensors',
        `has no tensor "${name}"; a cross-encoder is a ${CROSS_ENCODER_ARCHITECTURE} with a pooler and a classifier`,
      );
    if (t.shape.join(',') !== shape.join(','))
      throw new ModelFormatError(
        'model.safetensors',
        `tensor "${name}" has shape [${t.shape}], config.json implies [${shape}]`,
      );
  }
  return {
    source: source.name,
    config,
    tokenizer,
    maxLength,
    labels,
    activation,
    weights,
  };
}

/** What the studio shows about a reranker. */
export interface CrossEncoderSummary {
  source: string;
  labels: number;
  activation: CrossEncoderActivation;
  parameters: number;
  layers: number;
  hiddenSize: number;
  maxLength: number;
}

export function summarizeCrossEncoder(model: CrossEncoderModel): CrossEncoderSummary {
  let parameters = 0;
  for (const t of model.weights.values()) parameters += t.data.length;
  return {
    source: model.source,
    labels: model.labels,
    activation: model.activation,
    parameters,
    layers: model.config.num_hidden_layers,
    hiddenSize: model.config.hidden_size,
    maxLength: model.maxLength,
  };
}
