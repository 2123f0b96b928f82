import { writeSafetensors, type NamedTensor } from '../model/safetensors.ts';
import type { LoraSettings } from './lora.ts';

/** W + (α/r)·B·A for every adapted layer; every other tensor as it is. */
export function mergeLora(
  weights: Map<string, NamedTensor>,
  adapter: Map<string, NamedTensor>,
  scaling: number,
): Map<string, NamedTensor> {
  const out = new Map(weights);
  for (const [name, a] of adapter) {
    if (!name.endsWith('.lora_A.weight')) continue;
    const module = name.slice(0, -'.lora_A.weight'.length);
    const b = adapter.get(`${module}.lora_B.weight`)!;
    const w = weights.get(`${module}.weight`);
    if (!w) throw new Error(`LoRA adapter "${module}" has no base weight`);
    const [r, i] = a.shape;
    const o = b.shape[0];
    const merged = Float32Array.from(w.data);
    for (let row = 0; row < o; row++)
      for (let k = 0; k < r; k++) {
        const s = scaling * b.data[row * r + k];
        if (s === 0) continue;
        for (let col = 0; col < i; col++) merged[row * i + col] += s * a.data[k * i + col];
      }
    out.set(`${module}.weight`, { shape: w.shape, data: merged });
  }
  return out;
}

/** `adapter_config.json` and `adapter_model.safetensors` as `peft.PeftModel.save_pretrained` writes them. */
export function peftAdapterFiles(
  settings: LoraSettings,
  adapter: Map<string, NamedTensor>,
  baseModel: string,
): Map<string, Uint8Array> {
  const config = {
    peft_type: 'LORA',
    task_type: 'FEATURE_EXTRACTION',
    base_model_name_or_path: baseModel,
    r: settings.rank,
    lora_alpha: settings.alpha,
    lora_dropout: settings.dropout,
    target_modules: settings.targets,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
  const tensors = new Map<string, NamedTensor>();
  for (const [name, t] of adapter) tensors.set(`base_model.model.${name}`, t);
  return new Map([
    ['adapter_config.json', new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`)],
    ['adapter_model.safetensors', writeSafetensors(tensors)],
  ]);
}

/**
 * Where an export puts the adapter: a folder of its own, because transformers (with peft
 * installed) treats a root `adapter_config.json` as "load the base model, then this adapter",
 * which would fetch the base by name instead of reading the merged weights beside it.
 */
export const LORA_ADAPTER_DIR = 'lora-adapter';

/** PEFT's two files under `LORA_ADAPTER_DIR/`, as an export adds them beside the merged weights. */
export function loraAdapterFolder(
  settings: LoraSettings,
  adapter: Map<string, NamedTensor>,
  baseModel: string,
): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [name, bytes] of peftAdapterFiles(settings, adapter, baseModel))
    files.set(`${LORA_ADAPTER_DIR}/${name}`, bytes);
  return files;
}
