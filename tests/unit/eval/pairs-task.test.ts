import { describe, expect, it } from 'vitest';
import { retrievalTaskFromPairs } from '../../../src/lib/eval/pairs-task.ts';

describe('retrievalTaskFromPairs', () => {
  it('uses every positive and negative of the dataset as the corpus, once each', () => {
    const pairs = [
      { query: 'a', positive: 'A', negatives: ['B'] },
      { query: 'b', positive: 'B', negatives: ['C'] },
      { query: 'a', positive: 'A2', negatives: ['C'] },
    ];
    const task = retrievalTaskFromPairs(pairs, new Set(['a']));
    expect(task.corpus).toEqual([
      { id: 'd0', text: 'A' },
      { id: 'd1', text: 'B' },
      { id: 'd2', text: 'C' },
      { id: 'd3', text: 'A2' },
    ]);
    expect(task.queries).toEqual([{ id: 'q0', text: 'a' }]);
    expect(task.relevant).toEqual(new Map([['q0', new Set(['d0', 'd3'])]]));
  });

  it('keeps the grades of a graded dataset as judgements; a grade-0 positive is not relevant', () => {
    const pairs = [
      { query: 'a', positive: 'A', negatives: [], grade: 3 },
      { query: 'a', positive: 'B', negatives: [], grade: 0 },
      { query: 'b', positive: 'C', negatives: [], grade: 1 },
    ];
    const task = retrievalTaskFromPairs(pairs, new Set(['a']));
    expect(task.relevant).toEqual(new Map([['q0', new Set(['d0'])]]));
    expect(task.judgements).toEqual(
      new Map([
        [
          'q0',
          new Map([
            ['d0', 3],
            ['d1', 0],
          ]),
        ],
      ]),
    );
    // without a grade column the task carries no judgements: relevant documents are grade 1
    expect(
      retrievalTaskFromPairs([{ query: 'a', positive: 'A', negatives: [] }], new Set(['a']))
        .judgements,
    ).toBeUndefined();
  });
});
