import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateRetrieval, type Embedder } from '../../../src/lib/eval/retrieval.ts';
import { rankForMining } from '../../../src/lib/mine/rank.ts';
import { miningTask } from '../../../src/lib/mine/task.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const PROMPTS = { query: 'query: ', document: 'passage: ' };

/** Embeds every text as [1, length] and keeps what it was asked to embed. */
function recordingEmbedder(): Embedder & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    embed: async (texts) => {
      seen.push(...texts);
      return texts.map((t) => Float32Array.of(1, t.length));
    },
  };
}

describe('prompts in evaluation and mining', () => {
  it('evaluation embeds queries and documents with their prompts, as encode_query / encode_document do', async () => {
    const embedder = recordingEmbedder();
    await evaluateRetrieval(
      embedder,
      {
        corpus: [
          { id: 'd1', text: 'reset' },
          { id: 'd2', text: 'refund' },
        ],
        queries: [{ id: 'q1', text: 'pw' }],
        relevant: new Map([['q1', new Set(['d1'])]]),
      },
      { prompts: PROMPTS },
    );
    expect(embedder.seen).toEqual(['passage: reset', 'passage: refund', 'query: pw']);
  });

  it('mining embeds with the prompts but hands back the corpus as it is', async () => {
    const embedder = recordingEmbedder();
    const task = miningTask([
      { query: 'pw', positive: 'reset', negatives: ['refund'] },
      { query: 'money back', positive: 'refund', negatives: [] },
    ]);
    const input = await rankForMining(embedder, task, 2, { prompts: PROMPTS });
    expect(embedder.seen.filter((t) => t.startsWith('query: ')).sort()).toEqual([
      'query: money back',
      'query: pw',
    ]);
    expect(embedder.seen.filter((t) => t.startsWith('passage: ')).sort()).toEqual([
      'passage: refund',
      'passage: reset',
    ]);
    expect([...input.corpus].sort()).toEqual(['refund', 'reset']);
  });
});
