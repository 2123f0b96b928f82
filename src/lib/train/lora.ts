import * as tf from '@tensorflow/tfjs';
import { linear } from '../kernels/index.ts';
import type { LinearDelta } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import type { EncoderAdapter } from '../model/encoder.ts';
import type { NamedTensor } from '../model/safetensors.ts';
import { Random } from '../util/random.ts';
import type { TrainConfig } from './config.ts';
import { loraAdapterFolder, mergeLora } from './lora-export.ts';
import { linearShape, loraModules } from './lora-modules.ts';

/**
 * LoRA as PEFT does it (Hu et al. 2021; `peft.tuners.lora.Linear`): a frozen Linear layer W gets
 *
 *   y = x·Wᵀ + b + (α/r) · dropout(x)·Aᵀ·Bᵀ      A [r, in] Kaiming-uniform (a = √5), B [out, r] zeros
 *
 * so training starts from the base model exactly, and only A and B learn. Names follow PEFT's
 * state dict minus its `base_model.model.` prefix: `<module>.lora_A.weight`, `<module>.lora_B.weight`.
 */
export interface LoraSettings {
  rank: number;
  alpha: number;
  dropout: number;
  targets: string[];
}

/** The run's LoRA settings, or null for full fine-tuning. */
export function loraSettings(config: TrainConfig): LoraSettings | null {
  if (config.loraRank === null) return null;
  return {
    rank: config.loraRank,
    alpha: config.loraAlpha,
    dropout: config.loraDropout,
    targets: config.loraTargets,
  };
}

/**
 * Initial adapter weights: A ~ U(−1/√in, 1/√in), which is `kaiming_uniform_(a=√5)`
 * (gain √(2/(1+5)), bound gain·√(3/in)), drawn from `seed`; B = 0.
 */
export function initialLoraWeights(
  config: BertConfig,
  settings: LoraSettings,
  seed: number,
): Map<string, NamedTensor> {
  const random = new Random(seed);
  const out = new Map<string, NamedTensor>();
  for (const m of loraModules(config.num_hidden_layers, settings.targets)) {
    const [o, i] = linearShape(config.hidden_size, config.intermediate_size, m);
    const bound = 1 / Math.sqrt(i);
    const a = new Float32Array(settings.rank * i);
    for (let k = 0; k < a.length; k++) a[k] = (2 * random.next() - 1) * bound;
    out.set(`${m}.lora_A.weight`, { shape: [settings.rank, i], data: a });
    out.set(`${m}.lora_B.weight`, {
      shape: [o, settings.rank],
      data: new Float32Array(o * settings.rank),
    });
  }
  return out;
}

/** The adapter live in TensorFlow.js: its variables and the term it adds to each adapted layer. */
export class LoraAdapter implements EncoderAdapter {
  readonly params = new Map<string, tf.Variable>();
  /** Zero biases for the two `linear` calls (the fused kernel takes a bias). */
  private readonly zeros = new Map<number, tf.Tensor1D>();
  readonly delta: LinearDelta;

  constructor(
    readonly settings: LoraSettings,
    weights: Map<string, NamedTensor>,
  ) {
    for (const [name, t] of weights)
      this.params.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape), true)),
      );
    const scaling = settings.alpha / settings.rank;
    const zeros = (n: number) => {
      if (!this.zeros.has(n)) this.zeros.set(n, tf.keep(tf.zeros([n])));
      return this.zeros.get(n)!;
    };
    this.delta = (module, x, params, opts) => {
      const a = params.get(`${module}.lora_A.weight`) as tf.Tensor2D | undefined;
      const b = params.get(`${module}.lora_B.weight`) as tf.Tensor2D | undefined;
      if (!a || !b) return null;
      const seed = opts.training && settings.dropout > 0 ? opts.nextSeed?.() : undefined;
      const input =
        opts.training && settings.dropout > 0
          ? tf.dropout(x, settings.dropout, undefined, seed)
          : x;
      // [n, in] → [n, r] → [n, out]
      const low = linear(input as tf.Tensor2D, a, zeros(a.shape[0]));
      return tf.mul(linear(low, b, zeros(b.shape[0])), scaling) as tf.Tensor2D;
    };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const z of this.zeros.values()) z.dispose();
  }
}

/** What an export of a LoRA run needs: the merge into the base weights and PEFT's two files. */
export async function loraExport(
  adapter: LoraAdapter,
  baseModel: string,
): Promise<{
  merge: (weights: Map<string, NamedTensor>) => Map<string, NamedTensor>;
  files: Map<string, Uint8Array>;
}> {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, v] of adapter.params)
    tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  const files = loraAdapterFolder(adapter.settings, tensors, baseModel);
  return {
    merge: (weights) => mergeLora(weights, tensors, adapter.settings.alpha / adapter.settings.rank),
    files,
  };
}
