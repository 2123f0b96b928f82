import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BeirFormatError,
  beirSplit,
  documentText,
  parseBeirCorpus,
  parseBeirQrels,
  parseBeirQueries,
} from '../../../src/lib/data/beir.ts';

const fixture = (file: string) => readFileSync(`tests/fixtures/beir/${file}`, 'utf8');

describe('BEIR fixture', () => {
  const corpus = parseBeirCorpus(fixture('corpus.jsonl'));
  const queries = parseBeirQueries(fixture('queries.jsonl'));
  const qrels = parseBeirQrels(fixture('qrels/test.tsv'));

  it('reads every document, joining title and text only when there is a title', () => {
    expect(corpus).toHaveLength(12);
    expect(corpus[0]).toEqual({
      id: 'd1',
      title: 'Password reset',
      text: 'how to reset your password after the account is locked',
    });
    expect(documentText(corpus[0])).toBe(
      'Password reset how to reset your password after the account is locked',
    );
    // d3 has no title field, d7 an empty one
    expect(documentText(corpus[2])).toBe('the server needs a restart when the cache is full');
    expect(documentText(corpus[6])).toBe('cache memory is high on the node');
  });

  it('selects the queries the qrels name, with relevance meaning a score above 0', () => {
    const split = beirSplit(corpus, queries, qrels);
    expect(queries).toHaveLength(7);
    expect(split.queries.map((q) => q.id)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
    expect(split.relevant.get('q2')).toEqual(new Set(['d2', 'd11']));
    // d4 is judged 0 for q5: not relevant
    expect(split.relevant.get('q5')).toEqual(new Set(['d9', 'd10']));
    // q6 is judged, but nothing is relevant to it
    expect(split.relevant.get('q6')).toEqual(new Set());
    expect(split.missingDocIds).toEqual([]);
  });
});

describe('parseBeirCorpus', () => {
  it('tolerates a BOM, CRLF line ends, blank lines and integer ids, keeping line numbers', () => {
    const text = '\uFEFF{"_id": 7, "text": "a"}\r\n\r\n{"_id": "x", "title": "T", "text": "b"}\r\n';
    expect(parseBeirCorpus(text)).toEqual([
      { id: '7', title: '', text: 'a' },
      { id: 'x', title: 'T', text: 'b' },
    ]);
    const bad = '{"_id": "a", "text": "a"}\n\n{"_id": "b"}\n';
    expect(() => parseBeirCorpus(bad)).toThrow(
      'corpus.jsonl, line 3: missing "text": expected a string',
    );
  });

  it('points at broken JSON by line and column', () => {
    const text = '{"_id": "a", "text": "a"}\n{"_id": "b", "text": "b",}\n';
    let error: unknown;
    try {
      parseBeirCorpus(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BeirFormatError);
    const { file, line, column } = error as BeirFormatError;
    // the stray "}" after the trailing comma is the 26th character
    expect({ file, line, column }).toEqual({ file: 'corpus.jsonl', line: 2, column: 26 });
  });

  it('names a wrong field type, a missing id, a non-object and a duplicate id', () => {
    expect(() => parseBeirCorpus('{"_id": "a", "text": 3}')).toThrow(
      'corpus.jsonl, line 1: "text" must be a string, got 3',
    );
    expect(() => parseBeirCorpus('{"text": "a"}')).toThrow(
      'corpus.jsonl, line 1: missing "_id": every record needs a non-empty string id',
    );
    expect(() => parseBeirCorpus('["a"]')).toThrow(
      'corpus.jsonl, line 1: expected a JSON object such as {"_id": "d1", …}',
    );
    const twice = '{"_id": "a", "text": "x"}\n{"_id": "b", "text": "y"}\n{"_id": "a", "text": "z"}';
    expect(() => parseBeirCorpus(twice, 'beir/corpus.jsonl')).toThrow(
      'beir/corpus.jsonl, line 3: duplicate _id "a" (first on line 1)',
    );
  });
});

describe('parseBeirQueries', () => {
  it('reads ids and texts and rejects a query without text', () => {
    expect(parseBeirQueries('{"_id": "q1", "text": "login", "metadata": {}}')).toEqual([
      { id: 'q1', text: 'login' },
    ]);
    expect(() => parseBeirQueries('{"_id": "q1", "text": null}')).toThrow(
      'queries.jsonl, line 1: "text" must be a string, got null',
    );
  });
});

describe('parseBeirQrels', () => {
  it('reads rows after the header', () => {
    expect(parseBeirQrels('query-id\tcorpus-id\tscore\nq1\td1\t1\r\nq1\td2\t0\n')).toEqual([
      { queryId: 'q1', docId: 'd1', score: 1, line: 2 },
      { queryId: 'q1', docId: 'd2', score: 0, line: 3 },
    ]);
  });

  it('names a wrong header, a wrong field count and a non-integer score', () => {
    expect(() => parseBeirQrels('q1\td1\t1\n')).toThrow(
      'qrels/test.tsv, line 1: expected the header "query-id\\tcorpus-id\\tscore" (tab-separated), got "q1\td1\t1"',
    );
    expect(() => parseBeirQrels('', 'qrels/dev.tsv')).toThrow(
      'qrels/dev.tsv, line 1: empty file: expected the header "query-id\\tcorpus-id\\tscore" (tab-separated)',
    );
    expect(() => parseBeirQrels('query-id\tcorpus-id\tscore\nq1 d1 1\n')).toThrow(
      'qrels/test.tsv, line 2: expected 3 tab-separated fields (query-id, corpus-id, score), got 1',
    );
    expect(() => parseBeirQrels('query-id\tcorpus-id\tscore\nq1\td1\t0.5\n')).toThrow(
      'qrels/test.tsv, line 2, column 7: score must be an integer, got "0.5"',
    );
  });
});

describe('beirSplit', () => {
  const corpus = parseBeirCorpus('{"_id": "d1", "text": "a"}\n{"_id": "d2", "text": "b"}');
  const queries = parseBeirQueries('{"_id": "q1", "text": "x"}\n{"_id": "q2", "text": "y"}');

  it('keeps relevant ids the corpus lacks, lists them, and lets a later row override', () => {
    const qrels = parseBeirQrels('query-id\tcorpus-id\tscore\nq1\td1\t0\nq1\td9\t1\nq1\td1\t2\n');
    const split = beirSplit(corpus, queries, qrels);
    expect(split.relevant).toEqual(new Map([['q1', new Set(['d1', 'd9'])]]));
    expect(split.missingDocIds).toEqual(['d9']);
    expect(split.queries).toEqual([{ id: 'q1', text: 'x' }]);
  });

  it('keeps every grade, 0 included, as a graded judgement', () => {
    const qrels = parseBeirQrels('query-id\tcorpus-id\tscore\nq1\td1\t3\nq1\td2\t0\nq2\td2\t2\n');
    const split = beirSplit(corpus, queries, qrels);
    expect(split.judgements).toEqual(
      new Map([
        [
          'q1',
          new Map([
            ['d1', 3],
            ['d2', 0],
          ]),
        ],
        ['q2', new Map([['d2', 2]])],
      ]),
    );
    expect(split.relevant).toEqual(
      new Map([
        ['q1', new Set(['d1'])],
        ['q2', new Set(['d2'])],
      ]),
    );
  });

  it('refuses a qrels row naming an unknown query', () => {
    const qrels = parseBeirQrels('query-id\tcorpus-id\tscore\nq1\td1\t1\nq3\td1\t1\n');
    expect(() => beirSplit(corpus, queries, qrels, 'qrels/dev.tsv')).toThrow(
      'qrels/dev.tsv, line 3, column 1: query-id "q3" is not in queries.jsonl',
    );
  });
});
