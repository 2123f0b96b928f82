import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { rankForMining, type MiningStage } from '../../../src/lib/mine/rank.ts';
import { miningTask } from '../../../src/lib/mine/task.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { fixturePairs, TINY_BERT } from '../model/reference.ts';
import { CancelledError } from '../../../src/lib/util/cancel.ts';
import { cosine } from '../../support/vectors.ts';

let encoder: SentenceEncoder;
const pairs: TrainingPair[] = fixturePairs().map((p) => ({
  query: p.query,
  positive: p.positive,
  negatives: [p.negative],
}));

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = new SentenceEncoder(await loadSentenceModel(directorySource(TINY_BERT)));
});

describe('rankForMining', () => {
  it('ranks the corpus by cosine for every query and scores each positive', async () => {
    const task = miningTask(pairs);
    const window = 10;
    const input = await rankForMining(encoder, task, window, { batchSize: 8 });
    // Independently: embed each text alone and score every document.
    const corpus = await encoder.embed(task.corpus);
    const queries = await encoder.embed(task.queries);
    task.queries.forEach((_, q) => {
      const scores = corpus.map((d) => cosine(queries[q], d));
      const best = scores
        .map((score, index) => ({ index, score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, window);
      const got = input.rankings[q];
      expect(got).toHaveLength(window);
      got.forEach((n, i) => expect(Math.abs(n.score - best[i].score)).toBeLessThan(1e-5));
      // The same documents (order may swap only between scores closer than float noise).
      got.forEach((n) => expect(Math.abs(scores[n.index] - n.score)).toBeLessThan(1e-5));
      const [positive] = input.positives[q];
      expect(positive.index).toBe(task.positives[q][0]);
      expect(Math.abs(positive.score - scores[positive.index])).toBeLessThan(1e-5);
    });
  });

  it('reports every stage to its end', async () => {
    const task = miningTask(pairs);
    const last = new Map<MiningStage, [number, number]>();
    await rankForMining(encoder, task, 5, {
      batchSize: 4,
      onProgress: (stage, done, total) => last.set(stage, [done, total]),
    });
    expect(Object.fromEntries(last)).toEqual({
      corpus: [48, 48],
      queries: [24, 24],
      ranking: [48, 48],
    });
  });

  it('stops with CancelledError once the signal aborts, leaving no tensor behind', async () => {
    const task = miningTask(pairs);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const stages: MiningStage[] = [];
    const mining = rankForMining(encoder, task, 5, {
      batchSize: 4,
      signal: controller.signal,
      onProgress: (stage) => {
        stages.push(stage);
        controller.abort();
      },
    });
    await expect(mining).rejects.toThrow(new CancelledError('mining'));
    expect(new Set(stages)).toEqual(new Set(['corpus']));
    expect(tf.memory().numTensors).toBe(before);
  });
});
