import { describe, expect, it } from 'vitest';
import { marginMseProblem } from '../../../src/lib/ui/train-loss.ts';

const mined = {
  name: 'pairs (mined v2)',
  columns: { query: 'query', positive: 'positive', negatives: ['negative_1', 'negative_2'] },
};

describe('marginMseProblem', () => {
  it('trains mined rows with a reranker', () => {
    expect(marginMseProblem(mined, { kind: 'reranker', key: 'local:1' })).toBe(null);
  });

  it('asks for negatives first, then for something to label with', () => {
    expect(
      marginMseProblem({ ...mined, columns: { ...mined.columns, negatives: [] } }, null),
    ).toMatch(
      /^MarginMSE learns from \(query, positive, negative\) rows and “pairs \(mined v2\)” has no negatives: mine/,
    );
    expect(marginMseProblem(mined, null)).toBe(
      'MarginMSE needs labels: add a reranker on the Model page to label the rows, or use a dataset with a score column.',
    );
  });

  it('takes a score column only for one negative per row', () => {
    const scored = { ...mined, columns: { ...mined.columns, score: 'margin' } };
    expect(marginMseProblem(scored, { kind: 'score-column' })).toMatch(
      /labels one negative per row and “pairs \(mined v2\)” has 2: choose a reranker/,
    );
    const one = { ...scored, columns: { ...scored.columns, negatives: ['negative_1'] } };
    expect(marginMseProblem(one, { kind: 'score-column' })).toBe(null);
    expect(marginMseProblem(mined, { kind: 'score-column' })).toMatch(/has no score column/);
  });
});
