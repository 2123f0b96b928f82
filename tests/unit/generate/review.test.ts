import { describe, expect, it } from 'vitest';
import { applyFilters, countVerdicts, toTrainingPairs } from '../../../src/lib/generate/review.ts';
import { parseExampleQueries, parseGenerationCorpus } from '../../../src/lib/generate/inputs.ts';
import { generatedDataset } from '../../../src/lib/generate/dataset.ts';

describe('filter pipeline', () => {
  it('marks duplicates before consistency and counts each verdict', () => {
    const queries = [
      { document: 0, text: 'wsus sync 0%' },
      { document: 1, text: 'WSUS sync 0%' },
      { document: 1, text: 'kb5034441 rollback' },
      { document: 2, text: 'vat rate books' },
    ];
    const filtered = applyFilters(queries, [1, 1, 5, 2], { topK: 3, reserved: ['VAT rate books'] });
    expect(filtered.map((q) => q.verdict)).toEqual([
      'kept',
      'duplicate',
      'inconsistent',
      'duplicate',
    ]);
    expect(countVerdicts(filtered)).toEqual({
      generated: 4,
      duplicate: 2,
      nearDuplicate: 0,
      inconsistent: 1,
      kept: 1,
    });
    expect(toTrainingPairs([filtered[0]], ['doc a', 'doc b', 'doc c'])).toEqual([
      { query: 'wsus sync 0%', positive: 'doc a', negatives: [] },
    ]);
  });
});

describe('generation inputs', () => {
  it('reads a corpus as CSV with title and text, JSONL, or lines', () => {
    expect(parseGenerationCorpus('id,title,text\n1,T,body one\n2,,body two\n', 'c.csv')).toEqual([
      'T body one',
      'body two',
    ]);
    expect(parseGenerationCorpus('{"_id":"a","title":"T","text":"x"}\n', 'corpus.jsonl')).toEqual([
      'T x',
    ]);
    expect(parseGenerationCorpus('one\r\n\r\ntwo\n', 'c.txt')).toEqual(['one', 'two']);
  });

  it('names the missing column', () => {
    expect(() => parseGenerationCorpus('id,body\n1,x\n', 'c.csv')).toThrow(
      'c.csv, line 1: expected a "text" column in the header, found "id", "body"',
    );
  });

  it('reads examples with optional documents, or one per line', () => {
    expect(parseExampleQueries('query,document\nq1,d1\nq2,\n', 'e.csv')).toEqual([
      { query: 'q1', document: 'd1' },
      { query: 'q2' },
    ]);
    expect(parseExampleQueries('q1\nq2\n', 'e.txt')).toEqual([{ query: 'q1' }, { query: 'q2' }]);
  });
});

describe('generated dataset', () => {
  it('adds real examples with documents as pairs and holds them out for evaluation', () => {
    const { record, pairs } = generatedDataset({
      id: 'g1',
      name: 'generated',
      created: 5,
      source: { fileName: 'corpus.csv', size: 10, sha256: 'ab' },
      pairs: [{ query: 'synthetic q', positive: 'doc a', negatives: [] }],
      examples: [{ query: 'real q', document: 'doc b' }, { query: 'bare q' }],
    });
    expect(pairs).toEqual([
      { query: 'synthetic q', positive: 'doc a', negatives: [] },
      { query: 'real q', positive: 'doc b', negatives: [] },
    ]);
    expect(record.evalQueries).toEqual(['real q']);
    expect(record.counts.pairs).toBe(2);
  });
});
