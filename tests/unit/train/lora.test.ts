import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/lib/model/safetensors.ts';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  modelAtCheckpoint,
} from '../../../src/lib/train/checkpoint.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import { mergeLora, peftAdapterFiles } from '../../../src/lib/train/lora-export.ts';
import { loraModules, loraParameterCount } from '../../../src/lib/train/lora-modules.ts';
import { FIXTURES, REFERENCE_RUN } from '../model/reference.ts';
import { tinyTrainer, useTinyBert } from './tiny-trainer.ts';

/** tests/fixtures/tiny-bert-lora.py's output: plain-torch LoRA, six AdamW steps. */
const ref = JSON.parse(readFileSync(`${FIXTURES}tiny-bert-lora.reference.json`, 'utf8')) as {
  lora: { rank: number; alpha: number; dropout: number; targets: string[] };
  lr: number;
  initial_A: Record<string, number[][]>;
  losses: number[];
  final_adapter: Record<string, number[][]>;
  merged: Record<string, number[][]>;
};

const LORA_RUN = {
  ...REFERENCE_RUN,
  lr: ref.lr,
  loraRank: ref.lora.rank,
  loraAlpha: ref.lora.alpha,
  loraDropout: ref.lora.dropout,
  loraTargets: ref.lora.targets,
};

const tiny = useTinyBert();

const maxDiff = (got: ArrayLike<number>, want: number[]) => {
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  return d;
};

/** A LoRA trainer whose A matrices are the reference's seeded ones. */
function loraTrainer(overrides = {}) {
  const { encoder, trainer } = tinyTrainer(tiny, resolveTrainConfig({ ...LORA_RUN, ...overrides }));
  for (const [name, a] of Object.entries(ref.initial_A))
    tf.tidy(() => trainer.lora!.params.get(name)!.assign(tf.tensor2d(a)));
  return { encoder, trainer };
}

describe('LoRA', () => {
  it('adapts query and value of every layer, as PEFT targets them', () => {
    expect(loraModules(2, ['query', 'value'])).toEqual([
      'encoder.layer.0.attention.self.query',
      'encoder.layer.0.attention.self.value',
      'encoder.layer.1.attention.self.query',
      'encoder.layer.1.attention.self.value',
    ]);
    // PEFT matches by suffix: "output.dense" is the feed-forward output and attention's output.
    expect(loraModules(2, ['output.dense']).slice(0, 2)).toEqual([
      'encoder.layer.0.attention.output.dense',
      'encoder.layer.0.output.dense',
    ]);
    // bge-base, rank 16 on query and value: 12 layers · 2 · 16 · (768 + 768) = 589,824.
    expect(
      loraParameterCount({ layers: 12, hiddenSize: 768, intermediateSize: 3072 }, 16, [
        'query',
        'value',
      ]),
    ).toBe(589_824);
  });

  it('matches six plain-PyTorch LoRA steps: losses, adapter weights and merged weights', async () => {
    const { encoder, trainer } = loraTrainer();
    const losses: number[] = [];
    while (!trainer.done) losses.push((await trainer.trainStep()).loss);
    losses.forEach((l, i) =>
      expect(Math.abs(l - ref.losses[i]), `step ${i + 1}`).toBeLessThan(1e-5),
    );
    const state = await trainer.snapshot();
    // Only the adapter trains and holds optimizer state.
    expect([...state.weights.keys()].sort()).toEqual(Object.keys(ref.final_adapter).sort());
    expect([...state.adam.moments.keys()].sort()).toEqual(Object.keys(ref.final_adapter).sort());
    for (const [name, want] of Object.entries(ref.final_adapter))
      expect(maxDiff(state.weights.get(name)!.data, want.flat()), name).toBeLessThan(1e-4);
    // The encoder's own weights are untouched.
    const own = await encoder.exportWeights();
    for (const [name, t] of tiny.model.weights)
      expect(Array.from(own.get(name)!.data), name).toEqual(Array.from(t.data));
    // Merged: W + (α/r)·B·A, what the exported folder carries; a checkpoint merges the same way.
    const merged = mergeLora(own, state.weights, ref.lora.alpha / ref.lora.rank);
    const fromCheckpoint = modelAtCheckpoint(tiny.model, decodeCheckpoint(encodeCheckpoint(state)));
    for (const [name, want] of Object.entries(ref.merged)) {
      expect(maxDiff(merged.get(name)!.data, want.flat()), name).toBeLessThan(1e-4);
      expect(Array.from(fromCheckpoint.weights.get(name)!.data)).toEqual(
        Array.from(merged.get(name)!.data),
      );
    }
    trainer.dispose();
    encoder.dispose();
  });

  it('a resumed LoRA run continues on the same trajectory', async () => {
    const straight = loraTrainer();
    const losses: number[] = [];
    while (!straight.trainer.done) losses.push((await straight.trainer.trainStep()).loss);
    const first = loraTrainer();
    for (let i = 0; i < 3; i++) await first.trainer.trainStep();
    const bytes = encodeCheckpoint(await first.trainer.snapshot());
    const { encoder, trainer: resumed } = tinyTrainer(
      tiny,
      resolveTrainConfig(LORA_RUN),
      decodeCheckpoint(bytes),
    );
    const rest: number[] = [];
    while (!resumed.done) rest.push((await resumed.trainStep()).loss);
    expect(rest).toEqual(losses.slice(3));
    for (const x of [straight.trainer, first.trainer, resumed]) x.dispose();
    for (const x of [straight.encoder, first.encoder, encoder]) x.dispose();
  });

  it('writes the adapter as PEFT does: adapter_config.json and prefixed safetensors keys', () => {
    const adapter = new Map(
      Object.entries(ref.final_adapter).map(([k, v]) => [
        k,
        { shape: [v.length, v[0].length], data: Float32Array.from(v.flat()) },
      ]),
    );
    const files = peftAdapterFiles({ ...ref.lora }, adapter, 'tiny-bert');
    const config = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0,
      target_modules: ['query', 'value'],
      base_model_name_or_path: 'tiny-bert',
      bias: 'none',
    });
    const tensors = readSafetensors(files.get('adapter_model.safetensors')!, 'adapter');
    expect([...tensors.keys()].sort()[0]).toBe(
      'base_model.model.encoder.layer.0.attention.self.query.lora_A.weight',
    );
    expect(
      tensors.get('base_model.model.encoder.layer.1.attention.self.value.lora_B.weight')!.shape,
    ).toEqual([32, 4]);
  });

  it('leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const { encoder, trainer } = loraTrainer({
      steps: 3,
      miniBatch: 2,
      loraDropout: 0.1,
      dropout: 0.1,
    });
    while (!trainer.done) await trainer.trainStep();
    trainer.dispose();
    encoder.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
