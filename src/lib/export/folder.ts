import type { SentenceModel } from '../model/folder.ts';
import { poolingConfigJson } from '../model/pooling-config.ts';
import { promptConfigJson } from '../model/prompts.ts';
import { writeSafetensors, type NamedTensor } from '../model/safetensors.ts';
import { onnxFiles } from './onnx/files.ts';

/**
 * The sentence-transformers folder, as path → bytes, in the layout `SentenceTransformer(path)`
 * loads: the Transformer module at the root (config.json, model.safetensors, tokenizer files,
 * sentence_bert_config.json), `1_Pooling/config.json`, `2_Normalize/` when normalised, and
 * modules.json tying them together. A path ending in "/" is an (empty) directory.
 */
export type FolderFiles = Map<string, Uint8Array>;

export interface ExportOptions {
  /** float16 weights: half the size; sentence-transformers loads them as float16 tensors. */
  dtype?: 'F32' | 'F16';
  /** The model card, README.md (see model-card.ts). */
  readme?: string;
  /** Also write `onnx/model.onnx` and `onnx/model_quantized.onnx` (float32 and 8-bit) for transformers.js. */
  onnx?: boolean;
}

/**
 * Versions we declare in config_sentence_transformers.json: the library whose semantics we match.
 * Every loader from 2.2 on reads the folder (6.x maps the `sentence_transformers.models.*` module
 * paths of modules.json to their new homes); a declared version above the reader's own only makes
 * it log a warning, so we declare the oldest.
 */
const DECLARED_VERSIONS = {
  sentence_transformers: '2.2.2',
  transformers: '4.29.2',
  pytorch: '1.13.0',
};

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export function modulesJson(normalize: boolean): unknown[] {
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  if (normalize)
    modules.push({
      idx: 2,
      name: '2',
      path: '2_Normalize',
      type: 'sentence_transformers.models.Normalize',
    });
  return modules;
}

/** Writes every tensor of `weights` (the trained ones and the untouched pooler alike) under its own name. */
export function sentenceTransformersFolder(
  model: SentenceModel,
  weights: Map<string, NamedTensor>,
  options: ExportOptions = {},
): FolderFiles {
  const files: FolderFiles = new Map();
  const dtype = options.dtype ?? 'F32';
  files.set(
    'config.json',
    json({ ...model.rawConfig, torch_dtype: dtype === 'F16' ? 'float16' : 'float32' }),
  );
  files.set('model.safetensors', writeSafetensors(weights, { dtype }));
  for (const [name, bytes] of model.passthrough) files.set(name, bytes);
  files.set('modules.json', json(modulesJson(model.normalize)));
  files.set(
    'sentence_bert_config.json',
    json({ max_seq_length: model.maxSeqLength, do_lower_case: model.tokenizer.lowerCase }),
  );
  files.set(
    'config_sentence_transformers.json',
    json({
      // model_type (5.x+) tells SentenceTransformer from SparseEncoder/CrossEncoder; older versions ignore it.
      model_type: 'SentenceTransformer',
      __version__: DECLARED_VERSIONS,
      ...promptConfigJson(model.prompts),
      similarity_fn_name: 'cosine',
    }),
  );
  files.set(
    '1_Pooling/config.json',
    json(poolingConfigJson(model.pooling, model.config.hidden_size)),
  );
  if (model.normalize) files.set('2_Normalize/', new Uint8Array());
  if (options.onnx)
    for (const [path, bytes] of onnxFiles(model.config, weights)) files.set(path, bytes);
  if (options.readme !== undefined)
    files.set('README.md', new TextEncoder().encode(options.readme));
  return files;
}
