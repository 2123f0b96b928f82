import { describe, expect, it } from 'vitest';
import { estimateTrainingMemory, type TrainingShape } from '../../../src/lib/train/memory-plan.ts';

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
  it('MiniLM-L6 at batch 32 × 128 tokens: 16 bytes per parameter plus the tape, by hand', () => {
    const m = estimateTrainingMemory(MINILM, { batchSize: 32, seqLength: 128 });
    // weights, gradients: 22,713,216 · 4 = 90,852,864 each; AdamW m and v: twice that.
    expect(m.weights).toBe(90_852_864);
    expect(m.gradients).toBe(90_852_864);
    expect(m.optimizer).toBe(181_705_728);
    // Per token: 6·(17·384 + 2·1536 + 4·12·128) + 5·384 = 6·(6,528 + 3,072 + 6,144) + 1,920 = 96,384
    // floats; 32 pairs · 2 columns = 64 texts of 128 tokens = 8,192 tokens → 789,577,728 floats.
    expect(m.textsInFlight).toBe(64);
    expect(m.activations).toBe(3_158_310_912);
    expect(m.total).toBe(363_411_456 + 3_158_310_912);
  });

  it('GradCache keeps one mini-batch on the tape plus each text’s embedding and its gradient', () => {
    const m = estimateTrainingMemory(MINILM, { batchSize: 32, seqLength: 128, miniBatch: 16 });
    // 16 texts · 128 tokens · 96,384 floats = 197,394,432; cache 2 · 64 · 384 = 49,152 floats.
    expect(m.textsInFlight).toBe(16);
    expect(m.activations).toBe((197_394_432 + 49_152) * 4);
    expect(m.total).toBe(363_411_456 + 789_774_336);
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
