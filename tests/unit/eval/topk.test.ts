import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TopKError,
  exactTopK,
  toRankings,
  type Matrix,
  type Neighbor,
} from '../../../src/lib/eval/topk.ts';
import { mulberry32 } from '../../../src/lib/util/random.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const matrix = (rows: number, cols: number, value: (random: () => number) => number, seed = 1) => {
  const random = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = value(random);
  return { data, rows, cols };
};

const row = (m: Matrix, i: number) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));

/** The definition, written out: score every corpus row, sort by score then index, keep k. */
function bruteForce(
  queries: Matrix,
  corpus: Matrix,
  k: number,
  score: (a: number[], b: number[]) => number,
): Neighbor[][] {
  return Array.from({ length: queries.rows }, (_, q) =>
    Array.from({ length: corpus.rows }, (_, index) => ({
      index,
      score: score(row(queries, q), row(corpus, index)),
    }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, k),
  );
}

const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);
const cosine = (a: number[], b: number[]) =>
  dot(a, b) / (Math.max(Math.hypot(...a), 1e-12) * Math.max(Math.hypot(...b), 1e-12));

// entries in {−1, 0, 1} over 3 dimensions: dot products are small integers, exact in float32,
// and most scores tie with others, inside chunks and across them
const tiny = (random: () => number) => Math.floor(random() * 3) - 1;

describe('exactTopK', () => {
  it('equals the brute-force ranking under heavy ties, breaking them by corpus position', async () => {
    const queries = matrix(6, 3, tiny, 1);
    const corpus = matrix(37, 3, tiny, 2);
    const expected = bruteForce(queries, corpus, 7, dot);
    for (const chunkSize of [1, 5, 8, 37, 100]) {
      const got = await exactTopK(queries, corpus, { k: 7, similarity: 'dot', chunkSize });
      expect(got, `chunkSize ${chunkSize}`).toEqual(expected);
    }
    expect(await exactTopK(queries, corpus, { k: 7, similarity: 'dot' })).toEqual(expected);
  });

  it('agrees with brute-force cosine similarity on random embeddings', async () => {
    const queries = matrix(5, 16, (r) => r() * 2 - 1, 3);
    const corpus = matrix(120, 16, (r) => r() * 2 - 1, 4);
    const expected = bruteForce(queries, corpus, 10, cosine);
    const got = await exactTopK(queries, corpus, { k: 10, chunkSize: 17 });
    expect(got.map((hits) => hits.map((h) => h.index))).toEqual(
      expected.map((hits) => hits.map((h) => h.index)),
    );
    got.flat().forEach((hit, i) => expect(hit.score).toBeCloseTo(expected.flat()[i].score, 6));
  });

  it('returns the whole corpus, ranked, when k is larger than the corpus', async () => {
    const queries = { data: new Float32Array([1, 0]), rows: 1, cols: 2 };
    const corpus = { data: new Float32Array([0, 1, 3, 4, -1, 0, 2, 0]), rows: 4, cols: 2 };
    // cosines with (1, 0): 0, 3/5, −1, 1
    const [hits] = await exactTopK(queries, corpus, { k: 10, chunkSize: 3 });
    expect(hits.map((h) => h.index)).toEqual([3, 1, 0, 2]);
    expect(hits.map((h) => h.score)).toEqual([1, Math.fround(0.6), 0, -1]);
  });

  it('scores a zero vector 0 under cosine instead of NaN', async () => {
    const queries = { data: new Float32Array([1, 0]), rows: 1, cols: 2 };
    const corpus = { data: new Float32Array([0, 0, 1, 0]), rows: 2, cols: 2 };
    expect(await exactTopK(queries, corpus, { k: 2 })).toEqual([
      [
        { index: 1, score: 1 },
        { index: 0, score: 0 },
      ],
    ]);
  });

  it('takes tensors as well as matrices', async () => {
    const queries = matrix(4, 3, tiny, 5);
    const corpus = matrix(20, 3, tiny, 6);
    const q = tf.tensor2d(queries.data, [4, 3]);
    const c = tf.tensor2d(corpus.data, [20, 3]);
    const fromTensors = await exactTopK(q, c, { k: 5, similarity: 'dot', chunkSize: 6 });
    expect(fromTensors).toEqual(bruteForce(queries, corpus, 5, dot));
    tf.dispose([q, c]);
  });

  it('reports progress after every chunk', async () => {
    const calls: [number, number][] = [];
    await exactTopK(matrix(2, 3, tiny), matrix(12, 3, tiny), {
      k: 3,
      chunkSize: 5,
      onProgress: (scored, total) => calls.push([scored, total]),
    });
    expect(calls).toEqual([
      [5, 12],
      [10, 12],
      [12, 12],
    ]);
  });

  it('leaves no tensor behind', async () => {
    const queries = matrix(6, 3, tiny, 1);
    const corpus = matrix(37, 3, tiny, 2);
    const q = tf.tensor2d(queries.data, [6, 3]);
    const c = tf.tensor2d(corpus.data, [37, 3]);
    const before = tf.memory().numTensors;
    await exactTopK(queries, corpus, { k: 7, chunkSize: 4 });
    await exactTopK(q, c, { k: 7, similarity: 'dot', chunkSize: 4 });
    await exactTopK(queries, corpus, { k: 50 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, c]);
  });

  it('names a dimension mismatch and a bad k', async () => {
    const queries = matrix(1, 3, tiny);
    await expect(exactTopK(queries, matrix(2, 4, tiny), { k: 1 })).rejects.toThrow(
      new TopKError('queries have 3 dimensions but the corpus has 4'),
    );
    await expect(exactTopK(queries, matrix(2, 3, tiny), { k: 0 })).rejects.toThrow(
      'k must be a positive integer, got 0',
    );
  });

  it('returns empty rankings for an empty corpus', async () => {
    const empty = { data: new Float32Array(0), rows: 0, cols: 3 };
    expect(await exactTopK(matrix(2, 3, tiny), empty, { k: 3 })).toEqual([[], []]);
  });
});

describe('toRankings', () => {
  it('maps rows to query and document ids', () => {
    const rankings = toRankings(
      ['q1', 'q2'],
      ['d1', 'd2', 'd3'],
      [[{ index: 2, score: 0.5 }], [{ index: 0, score: 0.25 }]],
    );
    expect(rankings).toEqual(
      new Map([
        ['q1', [{ docId: 'd3', score: 0.5 }]],
        ['q2', [{ docId: 'd1', score: 0.25 }]],
      ]),
    );
  });
});
