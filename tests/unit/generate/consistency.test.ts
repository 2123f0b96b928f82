import { describe, expect, it } from 'vitest';
import {
  consistencyKeeps,
  ownDocumentRanks,
  ranksFromNeighbors,
} from '../../../src/lib/generate/consistency.ts';

// 5 generated queries × 4 documents; query q was generated from document OWN[q].
const SCORES = [
  [0.9, 0.1, 0.2, 0.3], // own 0: rank 1
  [0.5, 0.4, 0.6, 0.7], // own 1: 0.4 is the lowest → rank 4
  [0.2, 0.8, 0.5, 0.1], // own 2: only 0.8 above → rank 2
  [0.3, 0.3, 0.1, 0.3], // own 3: ties with 0 and 1, which come first → rank 3
  [0.6, 0.7, 0.8, 0.9], // own 0: rank 4
];
const OWN = [0, 1, 2, 3, 0];

describe('round-trip consistency filter', () => {
  it('ranks each query’s own document, ties going to the earlier document', () => {
    expect(ownDocumentRanks(SCORES, OWN)).toEqual([1, 4, 2, 3, 4]);
  });

  it('keeps exactly the queries whose document is in the top k', () => {
    const ranks = ownDocumentRanks(SCORES, OWN);
    expect(consistencyKeeps(ranks, 1)).toEqual([true, false, false, false, false]);
    expect(consistencyKeeps(ranks, 2)).toEqual([true, false, true, false, false]);
    expect(consistencyKeeps(ranks, 3)).toEqual([true, false, true, true, false]);
  });

  it('reads ranks from top-k neighbour lists, null when the document is missing', () => {
    const neighbors = [
      [
        { index: 0, score: 0.9 },
        { index: 3, score: 0.3 },
      ],
      [
        { index: 3, score: 0.7 },
        { index: 2, score: 0.6 },
      ],
      [
        { index: 1, score: 0.8 },
        { index: 2, score: 0.5 },
      ],
    ];
    const ranks = ranksFromNeighbors(neighbors, [0, 1, 2]);
    expect(ranks).toEqual([1, null, 2]);
    expect(consistencyKeeps(ranks, 1)).toEqual([true, false, false]);
  });
});
