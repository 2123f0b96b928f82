import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import {
  estimateTrainingMemory,
  isOutOfMemory,
  memoryBudget,
  memoryFixes,
  planTraining,
  refusal,
  type PlanContext,
  type TrainingShape,
} from '../../../src/lib/train/memory-plan.ts';

/**
 * sentence-transformers/all-MiniLM-L6-v2: vocab 30522, 512 positions, 2 token types, H 384,
 * 6 layers, 12 heads, I 1536. Parameters:
 *   embeddings 30522·384 + 512·384 + 2·384 + LayerNorm 2·384   = 11,918,592
 *   per layer  4·(384·384 + 384) + (384·1536 + 1536) + (1536·384 + 384) + 2·(2·384)
 *              = 591,360 + 591,360 + 590,208 + 1,536           =  1,774,464 (× 6 = 10,646,784)
 *   pooler     384·384 + 384                                   =    147,840
 *   total                                                      = 22,713,216
 */
const MINILM: TrainingShape = {
  parameters: 22_713_216,
  layers: 6,
  hiddenSize: 384,
  heads: 12,
  intermediateSize: 1536,
};

describe('estimateTrainingMemory', () => {
  it('MiniLM-L6 at batch 32 × 128 tokens: 16 bytes per parameter, the tape and the heap’s holes, by hand', () => {
    const m = estimateTrainingMemory(MINILM, { batchSize: 32, seqLength: 128 });
    // weights, gradients: 22,713,216 · 4 = 90,852,864 each; AdamW m and v: twice that.
    expect(m.weights).toBe(90_852_864);
    expect(m.gradients).toBe(90_852_864);
    expect(m.optimizer).toBe(181_705_728);
    // Per token: 6·(17·384 + 2·1536 + 4·12·128) + 5·384 = 6·(6,528 + 3,072 + 6,144) + 1,920 = 96,384
    // floats; 32 pairs · 2 columns = 64 texts of 128 tokens = 8,192 tokens → 789,577,728 floats.
    expect(m.textsInFlight).toBe(64);
    expect(m.activations).toBe(3_158_310_912);
    // Backward's transients: 0.4 of the tape (measured), 315,831,091 floats.
    expect(m.workspace).toBe(4 * 315_831_091);
    // Fragmentation: 0.6 of gradients and moments, 0.6 · 3 · 22,713,216 = 40,883,788.8 floats.
    expect(m.fragmentation).toBe(4 * 40_883_789);
    expect(m.total).toBe(363_411_456 + 3_158_310_912 + 4 * 315_831_091 + 4 * 40_883_789);
  });

  it('GradCache keeps one mini-batch on the tape plus each text’s embedding and its gradient', () => {
    const m = estimateTrainingMemory(MINILM, { batchSize: 32, seqLength: 128, miniBatch: 16 });
    // 16 texts · 128 tokens · 96,384 floats = 197,394,432; cache 2 · 64 · 384 = 49,152 floats.
    expect(m.textsInFlight).toBe(16);
    expect(m.activations).toBe((197_394_432 + 49_152) * 4);
    // While a mini-batch replays, its gradients sit beside the running sum (one more set), and
    // backward's transients take 0.4 of the mini-batch's tape: 78,957,773 floats.
    expect(m.workspace).toBe(90_852_864 + 4 * 78_957_773);
    expect(m.total).toBe(363_411_456 + 789_774_336 + 90_852_864 + 4 * 78_957_773 + 4 * 40_883_789);
  });

  it('AdamW’s new weights and moments for its largest run are the peak when the tape is smaller', () => {
    // 2 pairs × 8 tokens: 32 tokens · 6·(6,528 + 3,072 + 48·8) + 1,920 = 61,824 floats, 7.9 MB of
    // tape, far below AdamW's run of 2²⁴ values: new weights, m and v before the old are freed.
    const m = estimateTrainingMemory(MINILM, { batchSize: 2, seqLength: 8 });
    expect(m.activations + m.workspace).toBe(3 * 4 * 2 ** 24);
    // One tensor larger than a run is updated alone: a 250,002 × 384 vocabulary, 96,000,768 values.
    const big = estimateTrainingMemory(MINILM, {
      batchSize: 2,
      seqLength: 8,
      largestTrainable: 96_000_768,
    });
    expect(big.activations + big.workspace).toBe(3 * 4 * 96_000_768);
  });

  it('a pass per column keeps each pass’s dense word-embedding gradient beside their sum', () => {
    const shape = { ...MINILM, vocabSize: 30522 };
    const one = estimateTrainingMemory(shape, { batchSize: 8, seqLength: 64 });
    const two = estimateTrainingMemory(shape, {
      batchSize: 8,
      seqLength: 64,
      wordEmbeddingPasses: 2,
    });
    expect(two.workspace - one.workspace).toBe(4 * 2 * 30522 * 384);
    // The plan: wasm embeds each column on its own, WebGPU in one pass; GradCache's replays and
    // LoRA (the table frozen) have one gradient or none.
    const ctx: PlanContext = {
      shape,
      modelMaxSeqLength: 256,
      longestText: 64,
      columns: 3,
      budget: memoryBudget('wasm', 0),
    };
    const onWebgpu = { ...ctx, budget: memoryBudget('webgpu', 0) };
    const plain = resolveTrainConfig({ batchSize: 8 });
    expect(planTraining(ctx, plain).workspace - planTraining(onWebgpu, plain).workspace).toBe(
      4 * 3 * 30522 * 384,
    );
    for (const patch of [{ miniBatch: 4 }, { loraRank: 8 }, { freezeEmbeddings: true }]) {
      const config = resolveTrainConfig({ batchSize: 8, ...patch });
      expect(planTraining(ctx, config).total).toBe(planTraining(onWebgpu, config).total);
    }
  });

  it('a hard-negative column adds a third of the texts; doubling the length more than doubles it', () => {
    const pairs = estimateTrainingMemory(MINILM, { batchSize: 8, seqLength: 64 });
    const triplets = estimateTrainingMemory(MINILM, { batchSize: 8, seqLength: 64, columns: 3 });
    expect(triplets.activations / pairs.activations).toBeCloseTo(1.5, 12);
    const longer = estimateTrainingMemory(MINILM, { batchSize: 8, seqLength: 128 });
    // (6·(9,600 + 48·128) + 1,920)·128 / ((6·(9,600 + 48·64) + 1,920)·64) = 96,384·2 / 77,952
    expect(longer.activations / pairs.activations).toBeCloseTo((96_384 * 2) / 77_952, 12);
  });
});

/**
 * BAAI/bge-base-en-v1.5: vocab 30522, 512 positions, H 768, 12 layers, 12 heads, I 3072.
 *   embeddings 30522·768 + 512·768 + 2·768 + 2·768                 = 23,837,184
 *   per layer  4·(768·768 + 768) + (768·3072 + 3072) + (3072·768 + 768) + 4·768
 *              = 2,362,368 + 2,362,368 + 2,360,064 + 3,072         =  7,087,872 (× 12 = 85,054,464)
 *   pooler     768·768 + 768                                       =    590,592
 *   total                                                          = 109,482,240
 */
const BGE_BASE: PlanContext = {
  shape: {
    parameters: 109_482_240,
    layers: 12,
    hiddenSize: 768,
    heads: 12,
    intermediateSize: 3072,
    vocabSize: 30522,
  },
  modelMaxSeqLength: 512,
  longestText: 128,
  columns: 2,
  budget: memoryBudget('wasm', 0),
};
const TRAINED = 109_482_240 - 590_592; // the pooler gets no gradient
const MB = 2 ** 20;

describe('planTraining on bge-base (wasm: 4 GiB less 512 MiB)', () => {
  it('the budget is the wasm32 heap less the reserve and what is loaded', () => {
    expect(memoryBudget('wasm', 100 * MB).bytes).toBe(2 ** 32 - 512 * MB - 100 * MB);
    expect(memoryBudget('cpu', 0).bytes).toBeNull();
    expect(
      memoryBudget('webgpu', 0, { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 })
        .maxBufferBytes,
    ).toBe(2 ** 30);
  });

  it('batch 32 × 128 with GradCache 8 fits by recomputing each layer: the figures by hand', () => {
    const p = planTraining(BGE_BASE, resolveTrainConfig({ miniBatch: 8 }));
    expect(p.weights).toBe(109_482_240 * 4);
    expect(p.gradients).toBe(TRAINED * 4);
    expect(p.optimizer).toBe(TRAINED * 8);
    // Without recomputing: per token 12·(17·768 + 2·3072 + 4·12·128) + 5·768 = 307,968 floats,
    // 8 texts · 128 tokens → 1.18 GiB of tape, 3.7 GiB in all: over the 3.5 GiB budget.
    // Recomputing keeps 12·768 layer inputs + one layer (25,344) + 5·768 = 38,400 per token.
    expect(p.recompute).toBe(true);
    const tape = 8 * 128 * 38_400;
    expect(p.activations).toBe((tape + 2 * 64 * 768) * 4);
    expect(p.workspace).toBe(TRAINED * 4 + 4 * Math.round(0.4 * tape));
    // 0.6 · 3 · 108,891,648 = 196,004,966.4 floats of heap left in holes.
    expect(p.fragmentation).toBe(4 * 196_004_966);
    expect(p.fits).toBe(true);
    expect(p.total).toBe(
      109_482_240 * 4 +
        TRAINED * 16 +
        (tape + 2 * 64 * 768) * 4 +
        4 * Math.round(0.4 * tape) +
        4 * 196_004_966,
    );
  });

  it('LoRA r16 on query and value with no mini-batch fits by recomputing each layer', () => {
    const p = planTraining(BGE_BASE, resolveTrainConfig({ loraRank: 16 }));
    const lora = 589_824; // 12 layers · 2 · 16 · (768 + 768)
    expect(p.gradients).toBe(lora * 4);
    expect(p.weights).toBe((109_482_240 + lora) * 4);
    // 64 texts · 128 tokens, keeping 12·768 inputs + one layer of 25,344 + 5·768 per token.
    expect(p.recompute).toBe(true);
    expect(p.activations).toBe(64 * 128 * (12 * 768 + 25_344 + 3840) * 4);
    expect(p.fits).toBe(true);
  });

  it('freezing the word embeddings drops their gradient, moments, replayed copy and holes', () => {
    const a = planTraining(BGE_BASE, resolveTrainConfig({ miniBatch: 8 }));
    const b = planTraining(BGE_BASE, resolveTrainConfig({ miniBatch: 8, freezeEmbeddings: true }));
    expect(a.gradients - b.gradients).toBe(4 * 30522 * 768);
    expect(a.optimizer - b.optimizer).toBe(8 * 30522 * 768);
    expect(a.workspace - b.workspace).toBe(4 * 30522 * 768);
    // 0.6 · 3 · 23,440,896 = 42,193,612.8 floats, rounded on each side: 196,004,966 − 153,811,354.
    expect(a.fragmentation - b.fragmentation).toBe(4 * 42_193_612);
    // 544 MB less, and still recomputing its layers to fit.
    expect(a.total - b.total).toBe(4 * 30522 * 768 * 4 + 4 * 42_193_612);
    expect(a.recompute).toBe(true);
    expect(b.recompute).toBe(true);
  });

  it('batch 512 × 512 tokens is refused in one line with the memory and a fix that fits', () => {
    const ctx = { ...BGE_BASE, longestText: 512 };
    const config = resolveTrainConfig({ batchSize: 512, maxSeqLength: 512 });
    const p = planTraining(ctx, config);
    expect(p.fits).toBe(false);
    const fixes = memoryFixes(ctx, config);
    expect(fixes.map((f) => f.kind)).toEqual(
      ['mini-batch', 'lora', 'max-tokens', 'freeze-embeddings'].slice(0, fixes.length),
    );
    expect(fixes[0].patch).toEqual({ miniBatch: 4 });
    expect(fixes[0].plan.fits).toBe(true);
    expect(refusal(p, fixes)).toBe(
      'this run needs 1.4 TB of memory; the wasm backend has 3.5 GB; try --mini-batch 4 (GradCache mini-batch 4: 3.4 GB)',
    );
  });

  // Measured on this machine on 2026-12-02 (2-core AMD EPYC, wasm's threaded build on 2 threads):
  // the `--report` peakBytes (the wasm heap's high-water mark over 2 steps) of
  // `npm run cli -- train --steps 2 --batch-size 32 --max-seq-length 128` on a bge-base-shaped
  // folder (`bench/bge-base-folder.ts`, 64 pairs of 128-token texts), BENCHMARKS.md.
  it.each([
    ['--mini-batch 8', { miniBatch: 8 }, 3.11e9, 3_184_809_368],
    ['--lora-rank 16', { loraRank: 16 }, 2.18e9, 2_213_220_556],
  ])(
    'the plan for the bge-base run with %s is at most 15%% above its measured heap, never below',
    (_, patch, measured, planned) => {
      const p = planTraining(
        BGE_BASE,
        resolveTrainConfig({ batchSize: 32, maxSeqLength: 128, ...patch }),
      );
      expect(p.fits).toBe(true);
      expect(p.total).toBe(planned);
      expect(p.total).toBeGreaterThanOrEqual(measured);
      expect(p.total).toBeLessThanOrEqual(1.15 * measured);
    },
  );
});

describe('isOutOfMemory', () => {
  it('knows the backends’ out-of-memory errors and nothing else', () => {
    expect(isOutOfMemory(new WebAssembly.RuntimeError('memory access out of bounds'))).toBe(true);
    expect(isOutOfMemory(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'))).toBe(
      true,
    );
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(new Error('Failed to allocate a GPUBuffer of 5 GB'))).toBe(true);
    expect(isOutOfMemory(new Error('the loss became NaN at step 3'))).toBe(false);
    expect(isOutOfMemory('memory access out of bounds')).toBe(false);
  });
});
