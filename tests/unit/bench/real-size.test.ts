import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { realSizeSpecs, runCase, type Fixture } from '../../../bench/cases.ts';
import { parseFixturePairs, SHAPES, type ShapeSpec } from '../../../bench/models.ts';
import { loadSample, SAMPLE_CSV } from '../../../bench/sample.ts';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { startBackend } from '../../../src/lib/env/start-backend.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';

describe('the bench’s real-size rows', () => {
  it('`--shapes bge-base` gives LoRA r16 and GradCache 8 for MiniLM and bge-base at 32 × 128, smallest heap first', () => {
    const specs = realSizeSpecs(new Set(['bge-base']), 'wasm');
    expect(specs.map((s) => [s.id, s.shape, s.miniBatch, s.lora])).toEqual([
      ['minilm-32x128-lora', SHAPES['minilm-32x128'], null, 16],
      ['minilm-32x128-gradcache', SHAPES['minilm-32x128'], 8, null],
      ['bge-base-lora', SHAPES['bge-base'], null, 16],
      ['bge-base-gradcache', SHAPES['bge-base'], 8, null],
    ]);
    // One step, the first, timed: no warm-up.
    for (const s of specs) {
      expect(s).toMatchObject({ backend: 'wasm', route: 'attune', warmup: 0, steps: 0 });
      expect(s.timeInstrumented).toBe(true);
      expect(s.skip).toBeUndefined();
    }
    expect(SHAPES['bge-base']).toMatchObject({ batch: 32, tokens: 128, layers: 12, hidden: 768 });
    expect(realSizeSpecs(new Set(['minilm-32x128']), 'wasm').map((s) => s.id)).toEqual([
      'minilm-32x128-lora',
      'minilm-32x128-gradcache',
    ]);
  });

  it('the default bench keeps only its one profiled MiniLM GradCache step, untimed', () => {
    const specs = realSizeSpecs(new Set(['tiny', 'small', 'minilm', 'sample']), 'wasm');
    expect(specs.map((s) => [s.id, s.miniBatch, s.lora, s.timeInstrumented])).toEqual([
      ['minilm-32x128-gradcache', 8, null, undefined],
    ]);
    expect(realSizeSpecs(new Set(['tiny']), 'wasm')).toEqual([]);
  });

  it('a row runs its first step timed through LoRA or GradCache; LoRA holds far less between steps', async () => {
    const model = await loadSentenceModel(directorySource('tests/fixtures/tiny-bert'));
    const tokenizerJson: unknown = JSON.parse(
      readFileSync('tests/fixtures/tiny-bert/tokenizer.json', 'utf8'),
    );
    const fixture: Fixture = {
      model,
      pairs: parseFixturePairs(readFileSync('tests/fixtures/tiny-bert.pairs.csv', 'utf8')),
      sample: loadSample(readFileSync(SAMPLE_CSV), tokenizerJson),
    };
    // The real-size rows' path on a small shape: 16 pairs (two GradCache mini-batches of 8).
    const small: ShapeSpec = { ...SHAPES.tiny, id: 'small', batch: 16, tokens: 16 };
    const results = [];
    for (const spec of realSizeSpecs(new Set(['minilm-32x128']), 'wasm'))
      results.push(await runCase({ ...spec, shape: small }, fixture, 'Node', startBackend));
    const [lora, gradcache] = results;
    expect([lora.lora, lora.miniBatch, gradcache.lora, gradcache.miniBatch]).toEqual([
      16,
      null,
      null,
      8,
    ]);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      const f = r.figures!;
      expect(f.firstStep).toBe(true);
      expect(f.samplesMs).toHaveLength(1);
      expect(f.msPerStep).toBe(f.samplesMs[0]);
      expect(f.losses).toHaveLength(1);
      expect(Number.isFinite(f.losses[0])).toBe(true);
      expect(f.heapBytes).toBeGreaterThan(0);
      expect(f.planBytes).toBeGreaterThan(0);
      expect(f.recompute).toBe(false);
    }
    // Full fine-tuning holds its weights and AdamW's two moments (12 bytes a parameter); LoRA
    // holds the weights, the adapter and its moments, and the zero biases of its two linear calls
    // (r and out: 16 + 32 values).
    const full = gradcache.figures!.residentBytes;
    const adapter = 2 * 2 * 16 * (32 + 32); // 2 layers · (query, value) · r · (in + out)
    expect(full % 12).toBe(0);
    expect(lora.figures!.residentBytes).toBe(full / 3 + 3 * 4 * adapter + 4 * (16 + 32));
  });
});
