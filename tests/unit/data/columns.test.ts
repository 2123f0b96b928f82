import { describe, expect, it } from 'vitest';
import {
  describeColumns,
  detectColumns,
  mappingProblems,
  positionalMapping,
  resolveColumns,
} from '../../../src/lib/data/columns.ts';
import { DatasetError } from '../../../src/lib/data/errors.ts';

describe('detectColumns', () => {
  it('reads the sentence-transformers names', () => {
    expect(detectColumns(['anchor', 'positive', 'negative']).roles).toEqual([
      'query',
      'positive',
      'negative',
    ]);
  });

  it('matches synonyms whatever their case, spacing or dashes', () => {
    expect(
      detectColumns([
        ' Question ',
        'ANSWER',
        'Negative 1',
        'negative-2',
        'hard_negative_3',
        'Label',
      ]).roles,
    ).toEqual(['query', 'positive', 'negative', 'negative', 'negative', 'score']);
  });

  it('gives a role to the best-ranked name and ignores the other candidates', () => {
    const mapping = detectColumns(['text', 'question', 'answer', 'query', 'id']);
    expect(mapping.roles).toEqual(['ignore', 'ignore', 'positive', 'query', 'ignore']);
    expect(describeColumns(mapping)).toEqual({
      query: 'query',
      positive: 'answer',
      negatives: [],
      score: null,
      ignored: ['text', 'question', 'id'],
    });
  });

  it('keeps the header as given and marks it as a header', () => {
    const header = ['Query', 'Document'];
    const mapping = detectColumns(header);
    expect(mapping).toEqual({
      header: ['Query', 'Document'],
      hasHeader: true,
      roles: ['query', 'positive'],
    });
    expect(mapping.header).not.toBe(header);
  });
});

describe('mappingProblems and resolveColumns', () => {
  it('resolves a usable mapping to column indices', () => {
    const mapping = detectColumns(['id', 'positive', 'query', 'negative_1', 'score', 'negative_2']);
    expect(mappingProblems(mapping)).toEqual([]);
    expect(resolveColumns(mapping, 'x.csv')).toEqual({
      names: ['id', 'positive', 'query', 'negative_1', 'score', 'negative_2'],
      query: 2,
      positive: 1,
      negatives: [3, 5],
      score: 4,
      grade: null,
    });
  });

  it('names each problem a person must fix', () => {
    expect(
      mappingProblems({
        header: ['a', 'b', 'c'],
        hasHeader: true,
        roles: ['score', 'score', 'ignore'],
      }),
    ).toEqual([
      'no query column (name one "query", "anchor" or "question"); the columns are "a", "b", "c"',
      'no positive column (name one "positive", "document", "passage", "answer" or "text"); the columns are "a", "b", "c"',
      'more than one score column',
    ]);
    expect(
      mappingProblems({
        header: ['a', 'b'],
        hasHeader: true,
        roles: ['query', 'positive', 'ignore'],
      }),
    ).toEqual(['the mapping gives 3 roles for 2 columns']);
  });

  it('refuses an unusable mapping with a DatasetError naming the file and the first problem', () => {
    const mapping = { header: ['q', 'p'], hasHeader: true, roles: ['query', 'query'] } as const;
    const error = (() => {
      try {
        resolveColumns(
          { ...mapping, header: [...mapping.header], roles: [...mapping.roles] },
          'pairs.csv',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).code).toBe('columns');
    expect((error as DatasetError).message).toBe(
      'pairs.csv: no positive column (name one "positive", "document", "passage", "answer" or "text"); the columns are "q", "p"',
    );
  });

  it('maps a file without a header by position', () => {
    expect(positionalMapping(4)).toEqual({
      header: ['column 1', 'column 2', 'column 3', 'column 4'],
      hasHeader: false,
      roles: ['query', 'positive', 'negative', 'negative'],
    });
  });
});
