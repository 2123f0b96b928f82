import { describe, expect, it } from 'vitest';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import type { TextPair } from '../../../src/lib/model/pair-tokens.ts';
import { teacherMargins, type LogitScorer } from '../../../src/lib/train/gpl-labels.ts';

/** A one-label stand-in whose logit is the document's length: margins are length differences. */
const byLength: LogitScorer = {
  labels: 1,
  predict: (pairs: readonly TextPair[], options) => {
    options.onProgress?.(pairs.length, pairs.length);
    return Promise.resolve({ logits: pairs.map((p) => Float32Array.of(p.document.length)) });
  },
};

const ROWS: TrainingPair[] = [
  { query: 'q1', positive: 'abcd', negatives: ['a', 'abc'], score: 0.5 },
  { query: 'q2', positive: 'ab', negatives: ['abcde', 'ab'] },
];

describe('teacherMargins', () => {
  it('labels every negative with CE(q, p) − CE(q, n) when a reranker teaches, reporting progress', async () => {
    const seen: [number, number][] = [];
    const labelled = await teacherMargins(ROWS, byLength, {
      onProgress: (done, total) => seen.push([done, total]),
    });
    // 4 − 1, 4 − 3; 2 − 5, 2 − 2.
    expect(labelled.map((r) => r.labels)).toEqual([
      [3, 1],
      [-3, 0],
    ]);
    expect(seen).toEqual([[6, 6]]);
  });

  it('takes the score column without a reranker, and names the row that cannot be labelled', async () => {
    await expect(teacherMargins(ROWS, null)).rejects.toThrow(
      'row 1 needs a score and exactly one negative to be a MarginMSE label',
    );
    const one = await teacherMargins([{ ...ROWS[0], negatives: ['a'] }], null);
    expect(one[0].labels).toEqual([0.5]);
  });
});
