import { describe, expect, it } from 'vitest';
import { modelCard } from '../../../src/lib/export/model-card.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';

const ci = (mean: number) => ({ mean, lower: mean - 0.05, upper: mean + 0.05 });

describe('modelCard', () => {
  it('shows the binary and the graded evaluation, each labelled for its source, with Holm', () => {
    const card = modelCard({
      baseModel: 'sentence-transformers/all-MiniLM-L6-v2',
      dataset: { name: 'support', pairs: 1200, evalQueries: 60 },
      config: resolveTrainConfig({}),
      steps: 38,
      date: '2026-12-02',
      evaluation: {
        corpusSize: 900,
        queries: 60,
        metrics: [{ name: 'ndcg@10', base: ci(0.5), tuned: ci(0.6), pValue: 0.001, pHolm: 0.006 }],
        graded: [
          { name: 'ndcg_cut_10', base: ci(0.4), tuned: ci(0.45), pValue: 0.02, pHolm: 0.08 },
        ],
      },
    });
    expect(card).toContain(
      [
        'Binary (sentence-transformers `InformationRetrievalEvaluator`):',
        '',
        '| metric | base | fine-tuned | p | p (Holm) |',
        '| --- | --- | --- | --- | --- |',
        '| ndcg@10 | 0.5000 [0.4500, 0.5500] | 0.6000 [0.5500, 0.6500] | 0.0010 | 0.0060 |',
        '',
        'Graded (trec_eval 10.0: the judged grade as gain, every judged query):',
        '',
        '| metric | base | fine-tuned | p | p (Holm) |',
        '| --- | --- | --- | --- | --- |',
        '| ndcg_cut_10 | 0.4000 [0.3500, 0.4500] | 0.4500 [0.4000, 0.5000] | 0.020 | 0.080 |',
      ].join('\n'),
    );
  });
});
