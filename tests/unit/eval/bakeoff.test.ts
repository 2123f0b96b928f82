import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import {
  BakeoffError,
  bakeoffReport,
  runBakeoff,
  verdictText,
  type BakeoffEvent,
} from '../../../src/lib/eval/bakeoff.ts';
import type { CandidateStats } from '../../../src/lib/eval/evaluate-model.ts';
import { CancelledError } from '../../../src/lib/util/cancel.ts';
import { missingDocIds } from '../../../src/lib/eval/report.ts';
import { metricIntervals } from '../../../src/lib/eval/compare.ts';
import { evaluateRetrieval, type RetrievalTask } from '../../../src/lib/eval/retrieval.ts';
import {
  beirSplit,
  documentText,
  parseBeirCorpus,
  parseBeirQrels,
  parseBeirQueries,
} from '../../../src/lib/data/beir.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { qrels, queryIds, system } from './ranked-systems.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tableTask: RetrievalTask = {
  corpus: [],
  queries: queryIds.map((id) => ({ id, text: id })),
  relevant: qrels,
};
const STATS: CandidateStats = {
  parameters: 1,
  dimension: 2,
  maxTokens: 3,
  docsPerSecond: 4,
  trainingMemory: 5,
};
const dataset = { name: 'support', split: 'test', missingDocIds: [] };

/** The report on candidates, each named with the rank it gives query i's relevant documents. */
function reportOf(
  candidates: [name: string, rankOf: (i: number) => number][],
  failed: { model: string; error: string }[] = [],
) {
  return bakeoffReport({
    evaluated: candidates.map(([name, rankOf]) => ({ name, result: system(rankOf), stats: STATS })),
    failed,
    task: tableTask,
    dataset,
  });
}

describe('bakeoffReport', () => {
  it('ranks by nDCG@10 and calls the leader better when the paired test says so', () => {
    // "second" finds every relevant document at rank 2, "first" at rank 1: nDCG@10 1/log2(3)
    // against 1 on each of the 30 queries, a difference of 1 − 1/log2(3) every time. Only the
    // all-plus and all-minus sign patterns reach |Σ d|, a chance of 2·2⁻³⁰ per resample, so none
    // of the 1,000 does: p = (1 + 0) / (1 + 1000).
    const report = reportOf([
      ['second', () => 2],
      ['first', () => 1],
    ]);
    expect(report.models.map((m) => [m.rank, m.model])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    expect(report.models[0]['ndcg@10']).toBe(1);
    expect(report.models[1]['ndcg@10']).toBeCloseTo(1 / Math.log2(3), 15);
    expect(report.models[1].intervals).toEqual(metricIntervals(system(() => 2)));
    expect(report.models[0].stats).toEqual(STATS);
    const verdict = report.verdict!;
    expect(verdict).toMatchObject({
      metric: 'ndcg@10',
      first: 'first',
      second: 'second',
      pValue: 1 / 1001,
      pHolm: 1 / 1001,
      significant: true,
    });
    // every resample of a constant difference has that constant as its mean
    for (const bound of ['mean', 'lower', 'upper'] as const) {
      expect(verdict.difference[bound]).toBeCloseTo(1 - 1 / Math.log2(3), 12);
    }
    expect(verdictText(verdict)).toBe(
      'first is better than second (ndcg@10 +0.3691 [0.3691, 0.3691], p < 0.001, paired randomisation test).',
    );
    expect(report.dataset).toEqual({
      name: 'support',
      split: 'test',
      documents: 0,
      queries: 30,
      evaluated: 30,
      dropped: [],
      missingDocIds: [],
    });
  });

  it('says the difference is not significant when the paired test does not reject', () => {
    // One query differs (rank 1 against rank 2), by d = 1 − 1/log2(3): every sign flip leaves
    // |Σ d| as it is, so every resample reaches it and p = 1001/1001. The mean difference is d/30
    // = 0.0123. A resample's mean is (draws of q0)·d/30 with draws ~ Binomial(30, 1/30): none with
    // chance (29/30)^30 ≈ 0.36, so the 2.5% quantile is 0; at least 4 with chance ≈ 0.017 and at
    // least 3 with ≈ 0.08, so the 97.5% quantile is 3·d/30 = 0.0372.
    const report = reportOf([
      ['a', () => 2],
      ['b', (i) => (i === 0 ? 1 : 2)],
    ]);
    expect(report.models.map((m) => m.model)).toEqual(['b', 'a']);
    expect(report.verdict).toMatchObject({
      first: 'b',
      second: 'a',
      pValue: 1,
      significant: false,
    });
    expect(verdictText(report.verdict!)).toBe(
      'The difference between b and a is not significant (ndcg@10 +0.0123 [0.0000, 0.0372], ' +
        'p = 1.000, paired randomisation test): on these queries either is a reasonable base.',
    );
  });

  it('tests the leader against every other candidate as one Holm-adjusted family', () => {
    // first beats second (rank 1 vs 2) and third (rank 1 vs 3) on all 30 queries: both raw
    // p-values are 1/1001 (see above); Holm: sorted, 2 · 1/1001 and max(2/1001, 1 · 1/1001)
    const report = reportOf([
      ['third', () => 3],
      ['second', () => 2],
      ['first', () => 1],
    ]);
    expect(report.verdict).toMatchObject({
      first: 'first',
      second: 'second',
      pValue: 1 / 1001,
      pHolm: 2 / 1001,
      significant: true,
      family: [
        { model: 'second', pValue: 1 / 1001, pHolm: 2 / 1001 },
        { model: 'third', pValue: 1 / 1001, pHolm: 2 / 1001 },
      ],
    });
    expect(verdictText(report.verdict!)).toBe(
      'first is better than second (ndcg@10 +0.3691 [0.3691, 0.3691], p = 0.002, ' +
        'paired randomisation test, Holm-adjusted over 2 tests).',
    );
  });

  it('keeps the given order for equal scores and gives no verdict for a single model', () => {
    const tie = reportOf([
      ['later', () => 3],
      ['earlier', () => 3],
    ]);
    expect(tie.models.map((m) => m.model)).toEqual(['later', 'earlier']);
    expect(tie.verdict).toMatchObject({ pValue: 1, significant: false });

    const alone = reportOf(
      [['only', () => 1]],
      [{ model: 'broken', error: 'config.json: is missing' }],
    );
    expect(alone.verdict).toBeNull();
    expect(alone.failed).toEqual([{ model: 'broken', error: 'config.json: is missing' }]);
  });
});

describe('missingDocIds', () => {
  it('lists judged documents the corpus lacks', () => {
    const task: RetrievalTask = {
      corpus: [{ id: 'd1', text: 'x' }],
      queries: [{ id: 'q1', text: 'y' }],
      relevant: new Map([['q1', new Set(['d1', 'd9'])]]),
    };
    expect(missingDocIds(task)).toEqual(['d9']);
  });
});

const BEIR = 'tests/fixtures/beir';
const read = (file: string) => readFileSync(join(BEIR, file), 'utf8');
const split = beirSplit(
  parseBeirCorpus(read('corpus.jsonl')),
  parseBeirQueries(read('queries.jsonl')),
  parseBeirQrels(read('qrels/test.tsv')),
);
const beir: RetrievalTask = {
  corpus: split.corpus.map((d) => ({ id: d.id, text: documentText(d) })),
  queries: split.queries,
  relevant: split.relevant,
};
const load = (dir: string) => () => loadSentenceModel(directorySource(dir));

/** What a single evaluation of the folder gives: the numbers a bake-off must repeat. */
async function single(dir: string) {
  const encoder = new SentenceEncoder(await load(dir)());
  try {
    return await evaluateRetrieval(encoder, beir);
  } finally {
    encoder.dispose();
  }
}

describe('runBakeoff', () => {
  it('evaluates each model as a single evaluation does, ranks them, and keeps going past a broken one', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'attune-bakeoff-'));
    const events: BakeoffEvent[] = [];
    // Each reading of the clock is 250 ms after the last: the corpus (12 documents) takes 0.25 s.
    let clock = 0;
    const before = tf.memory().numTensors;
    const { report, summaries } = await runBakeoff(
      [
        { name: 'b', load: load('tests/fixtures/tiny-bert-b') },
        { name: 'broken', load: load(empty) },
        { name: 'a', load: load('tests/fixtures/tiny-bert') },
      ],
      {
        task: beir,
        dataset: { name: BEIR, split: 'test', missingDocIds: [] },
        onEvent: (e) => events.push(e),
        now: () => (clock += 250),
      },
    );
    expect(tf.memory().numTensors).toBe(before);

    const [a, b] = [
      await single('tests/fixtures/tiny-bert'),
      await single('tests/fixtures/tiny-bert-b'),
    ];
    expect(a.metrics['ndcg@10']).toBeGreaterThan(b.metrics['ndcg@10']);
    expect(report.models.map((m) => m.model)).toEqual(['a', 'b']);
    for (const [entry, want] of [
      [report.models[0], a],
      [report.models[1], b],
    ] as const) {
      for (const [key, value] of Object.entries(want.metrics)) expect(entry[key]).toBe(value);
      expect(entry.intervals).toEqual(metricIntervals(want));
    }
    expect(report.failed).toEqual([
      { model: 'broken', error: `config.json: is missing from ${empty}` },
    ]);
    expect(report.dataset.dropped).toEqual(['q6']);

    // The tiny BERT (see model.spec.ts for the count): 29,280 parameters, H 32, 24 tokens.
    // Memory at 32 pairs × 2 texts of min(128, 24) tokens, L 2, A 4, I 64:
    //   per token 2·(17·32 + 2·64 + 4·4·24) + 5·32 = 2272
    //   activations 4 B · 64 · 24 · 2272 = 13,959,168; weights, gradients, moments 4 · 4 B · 29,280
    //   = 468,480; backward's transients 0.4 of the 3,489,792-float tape → 4 B · 1,395,917
    //   = 5,583,668; the heap's fragmentation 0.6 of gradients and moments, 4 B · round(0.6 · 3 ·
    //   29,280) = 210,816; total 20,222,132
    expect(report.models[0].stats).toEqual({
      parameters: 29_280,
      dimension: 32,
      maxTokens: 24,
      docsPerSecond: 48,
      trainingMemory: 20_222_132,
    });
    expect(summaries.a).toMatchObject({ parameters: 29_280, hiddenSize: 32, intermediateSize: 64 });
    expect(Object.keys(summaries)).toEqual(['b', 'a']);

    const trace = events.map((e) =>
      e.type === 'progress' ? `${e.candidate} ${e.stage} ${e.done}/${e.total}` : `${e.type}`,
    );
    expect(trace).toEqual([
      'loading',
      '0 corpus 12/12',
      '0 queries 6/6',
      '0 search 12/12',
      'evaluated',
      'loading',
      'failed',
      'loading',
      '2 corpus 12/12',
      '2 queries 6/6',
      '2 search 12/12',
      'evaluated',
      'statistics',
    ]);
  });

  it('stops at a failure once cancelled, instead of failing one candidate', async () => {
    const controller = new AbortController();
    const run = runBakeoff(
      [
        {
          name: 'a',
          load: () => {
            controller.abort();
            return Promise.reject(new Error('download of model.safetensors cancelled'));
          },
        },
        { name: 'b', load: load('tests/fixtures/tiny-bert') },
      ],
      { task: beir, dataset, signal: controller.signal },
    );
    await expect(run).rejects.toThrow(new CancelledError('the bake-off'));
  });

  it('refuses fewer than two candidates, more than five, and the same name twice', async () => {
    const one = { name: 'a', load: load('tests/fixtures/tiny-bert') };
    await expect(runBakeoff([one], { task: beir, dataset })).rejects.toThrow(
      new BakeoffError('a bake-off compares 2 to 5 models, got 1'),
    );
    await expect(runBakeoff(Array(6).fill(one), { task: beir, dataset })).rejects.toThrow(
      'a bake-off compares 2 to 5 models, got 6',
    );
    await expect(runBakeoff([one, one], { task: beir, dataset })).rejects.toThrow(
      '"a" is a candidate twice',
    );
  });
});
