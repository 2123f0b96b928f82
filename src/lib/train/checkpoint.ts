import { readSafetensors, writeSafetensors, type NamedTensor } from '../model/safetensors.ts';
import type { SentenceModel } from '../model/folder.ts';
import { mergeLora } from './lora-export.ts';
import type { LoraSettings } from './lora.ts';
import type { SamplerState } from './sampler.ts';
import type { TrainerState } from './trainer.ts';

/**
 * A trainer checkpoint as one safetensors file: weights as `param/<name>`, Adam moments as
 * `adam.m/<name>` and `adam.v/<name>`, and the step, Adam's step and the sampler (order, pointer,
 * RNG state) as JSON in the header's metadata. One self-checking binary, easy to store whole.
 */
interface CheckpointMeta {
  step: number;
  adamStep: number;
  sampler: SamplerState;
  /** A LoRA run's settings: its weights are the adapter. */
  lora?: LoraSettings;
}

export function encodeCheckpoint(state: TrainerState): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, t] of state.weights) tensors.set(`param/${name}`, t);
  for (const [name, { m, v }] of state.adam.moments) {
    const shape = state.weights.get(name)?.shape ?? [m.length];
    tensors.set(`adam.m/${name}`, { shape, data: m });
    tensors.set(`adam.v/${name}`, { shape, data: v });
  }
  const meta: CheckpointMeta = {
    step: state.step,
    adamStep: state.adam.step,
    sampler: state.sampler,
    lora: state.lora,
  };
  return writeSafetensors(tensors, { metadata: { attune_checkpoint: JSON.stringify(meta) } });
}

export function decodeCheckpoint(bytes: Uint8Array): TrainerState {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
    __metadata__?: { attune_checkpoint?: string };
  };
  const metaJson = header.__metadata__?.attune_checkpoint;
  if (!metaJson)
    throw new Error('not an Attune checkpoint: the safetensors metadata has no attune_checkpoint');
  const meta = JSON.parse(metaJson) as CheckpointMeta;
  const tensors = readSafetensors(bytes, 'checkpoint.safetensors');
  const weights = new Map<string, NamedTensor>();
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  for (const [key, t] of tensors) {
    const [kind, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    if (kind === 'param') weights.set(name, t);
    else if (kind === 'adam.m')
      moments.set(name, { m: t.data, v: moments.get(name)?.v ?? new Float32Array() });
    else if (kind === 'adam.v')
      moments.set(name, { m: moments.get(name)?.m ?? new Float32Array(), v: t.data });
  }
  return {
    step: meta.step,
    weights,
    adam: { step: meta.adamStep, moments },
    sampler: meta.sampler,
    lora: meta.lora,
  };
}

/**
 * The base model with a checkpoint's trained weights in place of its own; every other tensor (the
 * pooler) stays as the base has it; a LoRA checkpoint's adapter is merged in. This is the fine-tuned model that evaluation and export use.
 */
export function modelAtCheckpoint(model: SentenceModel, state: TrainerState): SentenceModel {
  if (state.lora)
    return {
      ...model,
      weights: mergeLora(model.weights, state.weights, state.lora.alpha / state.lora.rank),
    };
  const weights = new Map(model.weights);
  for (const [name, t] of state.weights) {
    const base = weights.get(name);
    if (!base) throw new Error(`checkpoint has "${name}", which the base model does not`);
    if (base.shape.join(',') !== t.shape.join(','))
      throw new Error(
        `checkpoint "${name}" has shape [${t.shape}], the base model [${base.shape}]`,
      );
    weights.set(name, t);
  }
  return { ...model, weights };
}
