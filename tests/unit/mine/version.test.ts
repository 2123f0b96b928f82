import { describe, expect, it } from 'vitest';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { parseCorpus } from '../../../src/lib/mine/corpus.ts';
import { MiningInputError, mineHardNegatives } from '../../../src/lib/mine/select.ts';
import { miningTask } from '../../../src/lib/mine/task.ts';
import { minedDatasetRecord, minedPairs } from '../../../src/lib/mine/version.ts';
import type { DatasetRecord } from '../../../src/lib/store/schema.ts';
import { fromMatrix } from '../../support/mining.ts';

const pairs: TrainingPair[] = [
  { query: 'q1', positive: 'p1', negatives: ['old'], weight: 2 },
  { query: 'q2', positive: 'p2', negatives: [] },
  { query: 'q1', positive: 'p1b', negatives: [] },
  { query: 'held', positive: 'p3', negatives: ['kept'] },
];

describe('miningTask', () => {
  it('ranks extra documents, positives and old negatives once each; one query per text', () => {
    const task = miningTask(pairs, { extraCorpus: ['x', 'p2'], skipQueries: new Set(['held']) });
    expect(task.corpus).toEqual(['x', 'p2', 'p1', 'p1b', 'p3', 'old', 'kept']);
    expect(task.queries).toEqual(['q1', 'q2']);
    expect(task.positives).toEqual([[2, 3], [1]]);
  });

  it('refuses a dataset whose every query is held out', () => {
    expect(() => miningTask(pairs.slice(3), { skipQueries: new Set(['held']) })).toThrow(
      'every query of the dataset is held out for evaluation: there is nothing to mine',
    );
  });
});

describe('minedPairs', () => {
  it('replaces negatives row by row, keeps held-out rows, leaves out rows short of negatives', () => {
    const task = miningTask(pairs, { skipQueries: new Set(['held']) });
    expect(task.corpus).toEqual(['p1', 'p2', 'p1b', 'p3', 'old', 'kept']);
    // q1 (positives p1 0.9, p1b 0.8): nothing within 0.05 of 0.8, so p2, p3, old.
    // q2 (positive p2 0.9): everything but p3 lies within 0.05 of it, so q2 is one short.
    const scores = [
      [0.9, 0.5, 0.8, 0.4, 0.3, 0.2],
      [0.88, 0.9, 0.87, 0.5, 0.86, 0.95],
    ];
    const input = fromMatrix(task.corpus, scores, task.positives);
    const result = mineHardNegatives(input, { relativeMargin: null, absoluteMargin: 0.05 });
    const mined = minedPairs(pairs, task, result);
    expect(mined.pairs).toEqual([
      { query: 'q1', positive: 'p1', negatives: ['p2', 'p3', 'old'], weight: 2 },
      { query: 'q1', positive: 'p1b', negatives: ['p2', 'p3', 'old'] },
      { query: 'held', positive: 'p3', negatives: ['kept'] },
    ]);
    expect(mined.dropped).toBe(1);
  });
});

describe('minedDatasetRecord', () => {
  const parent: DatasetRecord = {
    id: 'parent',
    name: 'support tickets (mined v2)',
    version: 2,
    parentId: 'root',
    source: { fileName: 'tickets.csv', size: 100, sha256: 'ab' },
    created: 1,
    columns: { query: 'question', positive: 'answer', negatives: ['wrong'] },
    counts: { pairs: 10, rejected: 1, warnings: 2, duplicates: 3 },
    chunkCount: 1,
    evalQueries: ['held'],
    kind: 'pairs',
    status: 'ready',
  };

  it('is the next version of its parent, with negative_1..n and the same held-out queries', () => {
    const record = minedDatasetRecord(parent, { id: 'v3', created: 5, pairs: 8, numNegatives: 2 });
    expect(record).toEqual({
      id: 'v3',
      name: 'support tickets (mined v3)',
      version: 3,
      parentId: 'parent',
      source: parent.source,
      created: 5,
      columns: { query: 'question', positive: 'answer', negatives: ['negative_1', 'negative_2'] },
      counts: { pairs: 8, rejected: 0, warnings: 0, duplicates: 0 },
      evalQueries: ['held'],
      kind: 'pairs',
    });
  });
});

describe('parseCorpus', () => {
  it('reads one document per non-empty line, without BOM or carriage returns', () => {
    expect(parseCorpus('\uFEFFfirst doc\r\n\r\n  \nsecond, with a comma\n', 'extra.txt')).toEqual([
      'first doc',
      'second, with a comma',
    ]);
  });

  it('reads a BEIR corpus.jsonl as title + text', () => {
    const jsonl = '{"_id":"1","title":"Wing nut","text":"zinc"}\n{"_id":"2","text":"plain"}\n';
    expect(parseCorpus(jsonl, 'corpus.jsonl')).toEqual(['Wing nut zinc', 'plain']);
  });

  it('refuses a file with no document, naming it', () => {
    expect(() => parseCorpus('\n \n', 'empty.txt')).toThrow(MiningInputError);
    expect(() => parseCorpus('\n \n', 'empty.txt')).toThrow(
      'empty.txt: the corpus has no documents',
    );
  });
});
