import { parseBertConfig, type BertConfig } from './config.ts';
import { ModelFormatError } from './errors.ts';
import { readSafetensors, stripBertPrefix, type NamedTensor } from './safetensors.ts';
import type { ModelSource } from './source.ts';
import { TextTokenizer } from './tokenizer.ts';
import { parsePoolingConfig, type PoolingMode } from './pooling-config.ts';
import { parsePromptConfig, type PromptConfig } from './prompts.ts';

/** Everything needed to embed with (and to write back) a sentence-transformers BERT folder. */
export interface SentenceModel {
  source: string;
  config: BertConfig;
  /** config.json as read, so an export keeps every field the encoder does not use. */
  rawConfig: Record<string, unknown>;
  tokenizer: TextTokenizer;
  maxSeqLength: number;
  pooling: PoolingMode;
  normalize: boolean;
  /** `prompts` and `default_prompt_name` of config_sentence_transformers.json. */
  prompts: PromptConfig;
  /** Encoder weights by BertModel name (no `bert.` prefix), float32. */
  weights: Map<string, NamedTensor>;
  /** Tokenizer files copied verbatim into an export (tokenizer.json, vocab.txt, …). */
  passthrough: Map<string, Uint8Array>;
}

export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
] as const;

const MODULE_TYPES = {
  transformer: 'sentence_transformers.models.Transformer',
  pooling: 'sentence_transformers.models.Pooling',
  normalize: 'sentence_transformers.models.Normalize',
};

interface ModuleEntry {
  idx: number;
  name: string;
  path: string;
  type: string;
}

const decoder = new TextDecoder();

export async function readJson(source: ModelSource, file: string): Promise<unknown | null> {
  const bytes = await source.read(file);
  if (!bytes) return null;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new ModelFormatError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

/** `tokenizer.json` (required: the fast tokenizer) and `tokenizer_config.json` (optional) of a folder. */
export async function readTokenizerFiles(
  source: ModelSource,
): Promise<{ tokenizerJson: unknown; tokenizerConfig: Record<string, unknown> }> {
  const tokenizerJson = await readJson(source, 'tokenizer.json');
  if (tokenizerJson === null)
    throw new ModelFormatError(
      'tokenizer.json',
      `is missing from ${source.name}; Attune needs the fast-tokenizer file`,
    );
  const tokenizerConfig = ((await readJson(source, 'tokenizer_config.json')) ?? {}) as Record<
    string,
    unknown
  >;
  return { tokenizerJson, tokenizerConfig };
}

function parseModules(raw: unknown): ModuleEntry[] {
  if (!Array.isArray(raw))
    throw new ModelFormatError('modules.json', 'is not a JSON array of modules');
  return raw.map((m, i) => {
    const e = m as Partial<ModuleEntry>;
    if (typeof e?.type !== 'string' || typeof e.path !== 'string')
      throw new ModelFormatError('modules.json', `entry ${i} needs a "type" and a "path"`);
    return e as ModuleEntry;
  });
}

/**
 * Loads a sentence-transformers folder the way `SentenceTransformer(path)` does: modules.json
 * lists Transformer → Pooling → (Normalize); without modules.json the folder is a plain HF model
 * and gets mean pooling and no normalisation. config.json is checked first so an unsupported
 * architecture is refused before the weights are read.
 */
export async function loadSentenceModel(source: ModelSource): Promise<SentenceModel> {
  const rawConfig = await readJson(source, 'config.json');
  if (rawConfig === null)
    throw new ModelFormatError('config.json', `is missing from ${source.name}`);
  const config = parseBertConfig(rawConfig);

  const modulesRaw = await readJson(source, 'modules.json');
  const modules = modulesRaw === null ? null : parseModules(modulesRaw);
  const unsupported = modules?.find((m) => !Object.values(MODULE_TYPES).includes(m.type));
  if (unsupported)
    throw new ModelFormatError(
      'modules.json',
      `module "${unsupported.type}" is not supported; Attune reads Transformer, Pooling and Normalize modules`,
    );
  const poolingModule = modules?.find((m) => m.type === MODULE_TYPES.pooling);
  let pooling: PoolingMode = 'mean';
  if (poolingModule) {
    const file = `${poolingModule.path ? `${poolingModule.path}/` : ''}config.json`;
    const raw = await readJson(source, file);
    if (raw === null)
      throw new ModelFormatError(file, 'is missing, but modules.json lists a Pooling module there');
    pooling = parsePoolingConfig(raw, file);
  }
  const normalize = modules?.some((m) => m.type === MODULE_TYPES.normalize) ?? false;

  const { tokenizerJson, tokenizerConfig } = await readTokenizerFiles(source);
  const stConfig = ((await readJson(source, 'sentence_bert_config.json')) ?? {}) as {
    max_seq_length?: number;
    do_lower_case?: boolean;
  };
  const tokenizer = new TextTokenizer(
    tokenizerJson,
    tokenizerConfig,
    stConfig.do_lower_case === true,
  );
  // Without sentence_bert_config.json, sentence-transformers takes the smaller of the position
  // table and the tokenizer's model_max_length.
  const modelMax = Number(tokenizerConfig.model_max_length);
  const maxSeqLength =
    stConfig.max_seq_length ??
    Math.min(config.max_position_embeddings, Number.isFinite(modelMax) ? modelMax : Infinity);
  if (
    !Number.isInteger(maxSeqLength) ||
    maxSeqLength < 2 ||
    maxSeqLength > config.max_position_embeddings
  )
    throw new ModelFormatError(
      'sentence_bert_config.json',
      `max_seq_length ${maxSeqLength} must be an integer between 2 and max_position_embeddings (${config.max_position_embeddings})`,
    );

  const prompts = parsePromptConfig(await readJson(source, 'config_sentence_transformers.json'));

  const weights = await readBertWeights(source, config);

  const passthrough = new Map<string, Uint8Array>();
  for (const file of TOKENIZER_FILES) {
    const bytes = await source.read(file);
    if (bytes) passthrough.set(file, bytes);
  }
  return {
    source: source.name,
    config,
    rawConfig: rawConfig as Record<string, unknown>,
    tokenizer,
    maxSeqLength,
    pooling,
    normalize,
    prompts,
    weights,
    passthrough,
  };
}

/** Every tensor the encoder reads, with the shape config.json implies; extra tensors are kept as they are. */
export function expectedShapes(c: BertConfig): Map<string, number[]> {
  const H = c.hidden_size;
  const shapes = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocab_size, H]],
    ['embeddings.position_embeddings.weight', [c.max_position_embeddings, H]],
    ['embeddings.token_type_embeddings.weight', [c.type_vocab_size, H]],
    ['embeddings.LayerNorm.weight', [H]],
    ['embeddings.LayerNorm.bias', [H]],
  ]);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const n of [
      'attention.self.query',
      'attention.self.key',
      'attention.self.value',
      'attention.output.dense',
    ]) {
      shapes.set(`${p}${n}.weight`, [H, H]);
      shapes.set(`${p}${n}.bias`, [H]);
    }
    shapes.set(`${p}intermediate.dense.weight`, [c.intermediate_size, H]);
    shapes.set(`${p}intermediate.dense.bias`, [c.intermediate_size]);
    shapes.set(`${p}output.dense.weight`, [H, c.intermediate_size]);
    shapes.set(`${p}output.dense.bias`, [H]);
    for (const ln of ['attention.output.LayerNorm', 'output.LayerNorm']) {
      shapes.set(`${p}${ln}.weight`, [H]);
      shapes.set(`${p}${ln}.bias`, [H]);
    }
  }
  return shapes;
}

/**
 * The folder's `model.safetensors`, without a `bert.` prefix, with every tensor `config.json`
 * implies at its shape.
 */
export async function readBertWeights(
  source: ModelSource,
  config: BertConfig,
): Promise<Map<string, NamedTensor>> {
  const weightBytes = await source.read('model.safetensors');
  if (!weightBytes)
    throw new ModelFormatError(
      'model.safetensors',
      `is missing from ${source.name} (only safetensors weights are read)`,
    );
  const weights = stripBertPrefix(readSafetensors(weightBytes));
  checkWeights(config, weights);
  return weights;
}

function checkWeights(config: BertConfig, weights: Map<string, NamedTensor>): void {
  for (const [name, shape] of expectedShapes(config)) {
    const t = weights.get(name);
    if (!t)
      throw new ModelFormatError(
        'model.safetensors',
        `has no tensor "${name}", which config.json implies`,
      );
    if (t.shape.join(',') !== shape.join(','))
      throw new ModelFormatError(
        'model.safetensors',
        `tensor "${name}" has shape [${t.shape}], config.json implies [${shape}]`,
      );
  }
}
