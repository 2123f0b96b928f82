import { describe, expect, it } from 'vitest';
import {
  clickMappingProblems,
  detectClickColumns,
  detectDocumentColumns,
} from '../../../src/lib/clicks/columns.ts';
import { documentText, readDocumentTable } from '../../../src/lib/clicks/documents.ts';
import { readClickLog } from '../../../src/lib/clicks/log.ts';
import { DatasetError } from '../../../src/lib/data/errors.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('click-log columns', () => {
  it('detects every role from common header names', () => {
    const mapping = detectClickColumns([
      'Session ID',
      'Query',
      'URL',
      'Rank',
      'Click',
      'Dwell Time',
      'Time',
      'notes',
    ]);
    expect(mapping.roles).toEqual([
      'session',
      'query',
      'docId',
      'position',
      'clicked',
      'dwell',
      'timestamp',
      'ignore',
    ]);
  });

  it('names what is missing', () => {
    expect(clickMappingProblems(detectClickColumns(['query', 'score']))).toEqual([
      'no document column: map a document id, a document text, or both; the columns are "query", "score"',
      'no position column (name one "position" or "rank"); the columns are "query", "score"',
    ]);
  });

  it('finds a BEIR corpus’s id and text', () => {
    expect(detectDocumentColumns(['_id', 'title', 'text']).roles).toEqual([
      'docId',
      'ignore',
      'docText',
    ]);
  });
});

describe('readClickLog', () => {
  it('reads every column, with timestamps in ISO 8601, Unix seconds or milliseconds', () => {
    const csv = [
      'session,time,query,doc_text,position,clicked,dwell_ms',
      's1,2025-01-06T09:00:00Z,reset,Open the login page,1,1,45000',
      's1,1736154000,reset,Check your email,2,no,',
      's1,1736154000000,reset,Restart the server,3,TRUE,1500.5',
    ].join('\n');
    const { log, report } = readClickLog(bytes(csv), { fileName: 'log.csv' });
    const t = Date.UTC(2025, 0, 6, 9);
    expect(log.events).toEqual([
      {
        query: 'reset',
        doc: 0,
        position: 1,
        clicked: true,
        dwellMs: 45000,
        session: 's1',
        time: t,
        line: 2,
      },
      {
        query: 'reset',
        doc: 1,
        position: 2,
        clicked: false,
        dwellMs: null,
        session: 's1',
        time: t,
        line: 3,
      },
      {
        query: 'reset',
        doc: 2,
        position: 3,
        clicked: true,
        dwellMs: 1500.5,
        session: 's1',
        time: t,
        line: 4,
      },
    ]);
    expect(log.docs).toEqual([
      { id: null, text: 'Open the login page' },
      { id: null, text: 'Check your email' },
      { id: null, text: 'Restart the server' },
    ]);
    expect(log.columns).toEqual({
      clicked: true,
      dwell: true,
      session: true,
      timestamp: true,
      docId: false,
      docText: true,
    });
    expect(report).toEqual({
      file: 'log.csv',
      format: 'csv',
      rows: 3,
      accepted: 3,
      rejected: [],
      omitted: 0,
    });
  });

  it('rejects bad rows by line and says what was expected', () => {
    const csv = [
      'query,doc_id,position,clicked,dwell_ms,timestamp',
      'q,a,1,1,100,2025-01-06',
      'q,a,0,1,100,2025-01-06',
      'q,a,2,maybe,100,2025-01-06',
      'q,a,2,1,-5,2025-01-06',
      'q,a,2,1,100,yesterday',
      ',a,2,1,100,2025-01-06',
      'q,,2,1,100,2025-01-06',
      'q,a,2',
    ].join('\n');
    const { report } = readClickLog(bytes(csv), { fileName: 'log.csv' });
    expect(report.accepted).toBe(1);
    expect(report.rejected).toEqual([
      { line: 3, reason: '"position" is "0", expected a whole number from 1 up' },
      { line: 4, reason: '"clicked" is "maybe", expected 0 or 1' },
      { line: 5, reason: '"dwell_ms" is "-5", expected milliseconds (0 or more)' },
      {
        line: 6,
        reason:
          '"timestamp" is "yesterday", expected a date (ISO 8601) or a Unix time in seconds or milliseconds',
      },
      { line: 7, reason: 'empty "query" cell' },
      { line: 8, reason: 'empty "doc_id" cell' },
      { line: 9, reason: 'expected 6 fields, found 3' },
    ]);
  });

  it('reads JSON Lines with numbers and booleans; without a clicked column every row is a click', () => {
    const jsonl = [
      '{"query": "reset", "doc_id": 17, "rank": 2}',
      'not json',
      '{"query": "reset", "doc_id": "18", "rank": 1}',
    ].join('\n');
    const { log, report } = readClickLog(bytes(jsonl), { fileName: 'log.jsonl' });
    expect(log.events.map((e) => [e.doc, e.position, e.clicked, e.line])).toEqual([
      [0, 2, true, 1],
      [1, 1, true, 3],
    ]);
    expect(log.docs).toEqual([
      { id: '17', text: null },
      { id: '18', text: null },
    ]);
    expect(log.columns.clicked).toBe(false);
    expect(report.rejected).toEqual([{ line: 2, reason: 'invalid JSON' }]);
  });

  it('refuses a file without a usable mapping or without a valid row', () => {
    expect(() => readClickLog(bytes('query,text\nq,t\n'), { fileName: 'log.csv' })).toThrow(
      new DatasetError(
        'columns',
        'log.csv',
        'no position column (name one "position" or "rank"); the columns are "query", "text"',
      ),
    );
    expect(() =>
      readClickLog(bytes('query,text,position\nq,t,x\n'), { fileName: 'log.csv' }),
    ).toThrow(
      'log.csv: no valid row: all 1 rows were rejected (the first, line 2: "position" is "x", expected a whole number from 1 up)',
    );
  });
});

describe('readDocumentTable', () => {
  it('maps ids to texts, keeps the first of a repeated id and lists empty rows', () => {
    const csv = 'id,text\na,First\nb,\na,Again\nc,Third\n';
    const { table, report } = readDocumentTable(bytes(csv), { fileName: 'docs.csv' });
    expect([...table]).toEqual([
      ['a', 'First'],
      ['c', 'Third'],
    ]);
    expect(report).toMatchObject({ rows: 4, documents: 2, duplicates: 1 });
    expect(report.rejected).toEqual([{ line: 3, reason: 'empty "text" cell' }]);
  });

  it('supplies the text of a document the log names by id, before the log’s own text', () => {
    const table = new Map([['a', 'from the table']]);
    expect(documentText({ id: 'a', text: 'from the log' }, table)).toBe('from the table');
    expect(documentText({ id: 'b', text: 'from the log' }, table)).toBe('from the log');
    expect(documentText({ id: 'b', text: null }, table)).toBeNull();
  });
});
