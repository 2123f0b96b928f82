import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REFERENCE_PAIRS, trainTinyBert } from '../../support/train-cli.ts';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/lib/model/safetensors.ts';
import { TINY_BERT } from '../model/reference.ts';

const train = (out: string, ...extra: string[]) => trainTinyBert(REFERENCE_PAIRS, out, ...extra);

describe('cli train at real size', () => {
  it('refuses a run its memory plan cannot fit: exit 2, before any step, one line with the memory and a fix', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'attune-plan-')), 'model');
    // 50,000 triplets of ≤ 24-token texts: 150,000 texts at once, far over wasm's 4 GB even
    // recomputing each layer.
    const r = train(out, '--batch-size', '50000', '--steps', '1');
    expect(r.status).toBe(2);
    expect(r.stdout).not.toContain('step 1/');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^train: this run needs [\d.]+ GB of memory; the wasm backend has 3\.5 GB; try --mini-batch \d+ \(GradCache mini-batch \d+: [\d.]+ (MB|GB)\)$/,
    );
  });

  it('a LoRA run with max tokens writes merged weights, the PEFT adapter and the token limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-lora-'));
    const out = join(dir, 'model');
    const report = join(dir, 'report.json');
    const r = train(
      out,
      '--steps',
      '2',
      '--batch-size',
      '8',
      '--lr',
      '1e-2',
      '--lora-rank',
      '4',
      '--lora-alpha',
      '16',
      '--lora-targets',
      'query,value,dense',
      '--max-seq-length',
      '12',
      '--report',
      report,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^memory plan: [\d.]+ (KB|MB) of 3\.5 GB \(24 texts × 12 tokens in flight\)$/m,
    );
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.peakBytes).toBeGreaterThan(0);
    // 4 bytes · rank 4 · 2 layers · (3 square layers · (32 + 32) + 2 feed-forward · (32 + 64)).
    expect(json.plan.gradients).toBe(4 * 4 * 2 * (3 * (32 + 32) + 2 * (32 + 64)));
    expect(
      JSON.parse(readFileSync(join(out, 'sentence_bert_config.json'), 'utf8')).max_seq_length,
    ).toBe(12);
    const adapterConfig = JSON.parse(
      readFileSync(join(out, 'lora-adapter/adapter_config.json'), 'utf8'),
    );
    expect(adapterConfig).toMatchObject({
      r: 4,
      lora_alpha: 16,
      target_modules: ['query', 'value', 'dense'],
    });
    const adapter = readSafetensors(
      new Uint8Array(readFileSync(join(out, 'lora-adapter/adapter_model.safetensors'))),
      'adapter',
    );
    // 2 layers · (query, value, attention.output.dense, intermediate.dense, output.dense) · A and B.
    expect(adapter.size).toBe(2 * 5 * 2);
    // Merged weights: W + (16/4)·B·A, where B moved off zero in training.
    const merged = readSafetensors(
      new Uint8Array(readFileSync(join(out, 'model.safetensors'))),
      'm',
    );
    const base = readSafetensors(
      new Uint8Array(readFileSync(join(TINY_BERT, 'model.safetensors'))),
      'b',
    );
    const name = 'encoder.layer.0.attention.self.query.weight';
    const a = adapter.get('base_model.model.encoder.layer.0.attention.self.query.lora_A.weight')!;
    const b = adapter.get('base_model.model.encoder.layer.0.attention.self.query.lora_B.weight')!;
    let diff = 0;
    for (let o = 0; o < 32; o++)
      for (let i = 0; i < 32; i++) {
        let ba = 0;
        for (let k = 0; k < 4; k++) ba += b.data[o * 4 + k] * a.data[k * 32 + i];
        const want = base.get(name)!.data[o * 32 + i] + 4 * ba;
        diff = Math.max(diff, Math.abs(merged.get(name)!.data[o * 32 + i] - want));
      }
    expect(diff).toBeLessThan(1e-6);
    expect(merged.get(name)!.data).not.toEqual(base.get(name)!.data);
    // Untargeted weights are the base's.
    const key = 'encoder.layer.0.attention.self.key.weight';
    expect(Array.from(merged.get(key)!.data)).toEqual(Array.from(base.get(key)!.data));
  });

  it('refuses max tokens above the model’s positions in one line', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'attune-plan-')), 'model');
    const r = train(out, '--max-seq-length', '65', '--steps', '1');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      "train: maxSeqLength 65 is above the model's limit of 64 tokens (max_position_embeddings)",
    );
  });
});
