/**
 * The files transformers.js reads for a text-generation model, fetched by our Hub code (with
 * progress and Cache Storage) before transformers.js starts, so that it finds every one of them
 * in the shared `transformers-cache` and never goes to the network itself.
 */
import { parseConfigJson } from '../hub/architecture.ts';
import { HubConfigError } from '../hub/errors.ts';
import type { ModelFileSpec } from '../hub/files.ts';
import type { GeneratorDevice } from './settings.ts';

export type GeneratorDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

/** transformers.js' file-name suffix of each weight type (`DEFAULT_DTYPE_SUFFIX_MAPPING`). */
const SUFFIX: Record<GeneratorDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
};

/** 4-bit weights with fp16 activations on WebGPU (a 0.5B model in ~0.5 GB); 8-bit on wasm. */
const DEVICE_DTYPE: Record<GeneratorDevice, GeneratorDtype> = {
  webgpu: 'q4f16',
  wasm: 'q8',
  cpu: 'fp32',
};

const isDtype = (v: unknown): v is GeneratorDtype => typeof v === 'string' && v in SUFFIX;

/** The repo's own choice (`transformers.js_config.dtype`, one value or per device), else ours. */
export function generatorDtype(config: unknown, device: GeneratorDevice): GeneratorDtype {
  const declared = (config as { 'transformers.js_config'?: { dtype?: unknown } } | null)?.[
    'transformers.js_config'
  ]?.dtype;
  if (isDtype(declared)) return declared;
  const perDevice = (declared as Record<string, unknown> | undefined)?.[device];
  return isDtype(perDevice) ? perDevice : DEVICE_DTYPE[device];
}

export function generatorFiles(dtype: GeneratorDtype): ModelFileSpec[] {
  const weights = `onnx/model${SUFFIX[dtype]}.onnx`;
  return [
    { path: 'config.json', required: true },
    { path: 'generation_config.json', required: false },
    { path: 'tokenizer_config.json', required: true },
    { path: 'tokenizer.json', required: true },
    { path: weights, required: true },
    // Weights over 2 GB sit beside the graph; smaller models have none.
    { path: `${weights}_data`, required: false },
  ];
}

/** A causal LM's config.json: any JSON object with a model_type (transformers.js judges the rest). */
export function checkGeneratorConfig(bytes: Uint8Array, repo: string, revision: string): void {
  const config = parseConfigJson(bytes, repo, revision);
  if (typeof (config as { model_type?: unknown } | null)?.model_type !== 'string') {
    throw new HubConfigError(repo, revision, 'no "model_type": not a transformers model config');
  }
}
