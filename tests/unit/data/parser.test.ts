import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src/lib/data/errors.ts';
import {
  DatasetParser,
  parseDataset,
  parseDatasetStream,
  type ParseProgress,
} from '../../../src/lib/data/parser.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import { summariseReport } from '../../../src/lib/data/report.ts';
import { sniffDataset } from '../../../src/lib/data/sniff.ts';
import { fixtureBytes } from './fixtures.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A ReadableStream over `bytes` in chunks of `size`, as `File.stream()` gives them. */
function streamOf(
  bytes: Uint8Array,
  size: number,
  onPull?: () => void,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      onPull?.();
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const rowsCsv = (n: number) =>
  `query,positive\n${Array.from({ length: n }, (_, i) => `q${i},p${i}`).join('\n')}\n`;

describe('DatasetParser', () => {
  it('returns each pair from the push that completes its line, and reports progress', () => {
    const parser = new DatasetParser({ fileName: 'p.csv' });
    const head = utf8(`query,positive\nm6 nut,Hex nut M6\nm8 n`);
    expect(parser.push(head)).toEqual([]); // still sniffing: under 8 KB
    expect(parser.push(utf8('ut,Hex nut M8\n'))).toEqual([]);
    expect(parser.finish()).toEqual([
      { query: 'm6 nut', positive: 'Hex nut M6', negatives: [] },
      { query: 'm8 nut', positive: 'Hex nut M8', negatives: [] },
    ]);
    expect(parser.progress).toEqual({
      bytes: head.length + 14,
      rows: 2,
      accepted: 2,
      rejected: 0,
      duplicates: 0,
    });
    expect(parser.mapping).toEqual({
      header: ['query', 'positive'],
      hasHeader: true,
      roles: ['query', 'positive'],
    });
  });

  it('streams rows out once past the sniffing window', () => {
    const parser = new DatasetParser({ fileName: 'p.csv' });
    const bytes = utf8(rowsCsv(2000));
    const first = parser.push(bytes.subarray(0, 10_000));
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]).toEqual({ query: 'q0', positive: 'p0', negatives: [] });
    const rest = [...parser.push(bytes.subarray(10_000)), ...parser.finish()];
    expect(first.length + rest.length).toBe(2000);
  });

  it('applies a mapping the person corrected: another query column, and no header row', () => {
    const csv = 'sku,title,text\nHB-1,5/16-18 hex bolt,Hex cap screw 5/16-18\n';
    const withHeader = parseDataset(csv, {
      fileName: 'c.csv',
      mapping: {
        header: ['sku', 'title', 'text'],
        hasHeader: true,
        roles: ['ignore', 'query', 'positive'],
      },
    });
    expect(withHeader.pairs).toEqual([
      { query: '5/16-18 hex bolt', positive: 'Hex cap screw 5/16-18', negatives: [] },
    ]);
    expect(withHeader.report.columns).toEqual({
      query: 'title',
      positive: 'text',
      negatives: [],
      score: null,
      ignored: ['sku'],
    });
    const headerless = parseDataset(csv, {
      fileName: 'c.csv',
      mapping: {
        header: ['column 1', 'column 2', 'column 3'],
        hasHeader: false,
        roles: ['query', 'positive', 'negative'],
      },
    });
    expect(headerless.pairs[0]).toEqual({ query: 'sku', positive: 'title', negatives: ['text'] });
    expect(headerless.report.rows).toBe(2);
  });

  it('refuses a mapping whose width does not match the header', () => {
    expect(() =>
      parseDataset('a,b,c\n1,2,3\n', {
        fileName: 'w.csv',
        mapping: { header: ['a', 'b'], hasHeader: true, roles: ['query', 'positive'] },
      }),
    ).toThrow('w.csv: the header row (line 1) has 3 columns but the mapping has 2');
  });

  it('lists at most maxListed rejections and counts the rest', () => {
    const csv = `query,positive\n${',x\n'.repeat(5)}ok,fine\n`;
    const { report } = parseDataset(csv, { fileName: 'm.csv', maxListed: 2 });
    expect(report.rejected).toEqual([
      { line: 2, reason: 'empty "query" cell' },
      { line: 3, reason: 'empty "query" cell' },
    ]);
    expect(report.omitted).toEqual({ rejected: 3, warnings: 0 });
    expect([report.rows, report.accepted]).toEqual([6, 1]);
  });

  it('counts blank lines before the header, even a whole block of them', () => {
    const { report } = parseDataset('\n\nquery,positive\n,x\nok,y\n', { fileName: 'b.csv' });
    expect(report.rejected).toEqual([{ line: 4, reason: 'empty "query" cell' }]);
    const parser = new DatasetParser({ fileName: 'b.csv' });
    expect(parser.push(utf8('\n'.repeat(9000)))).toEqual([]);
    expect(parser.push(utf8('query,positive\n,x\nok,y\n'))).toEqual([
      { query: 'ok', positive: 'y', negatives: [] },
    ]);
    parser.finish();
    expect(parser.report().rejected).toEqual([{ line: 9002, reason: 'empty "query" cell' }]);
  });
});

describe('parseDatasetStream', () => {
  it('reads a ReadableStream, hands pairs over in batches and reports progress per chunk', async () => {
    const bytes = utf8(rowsCsv(5000));
    const batches: TrainingPair[][] = [];
    const progress: ParseProgress[] = [];
    const report = await parseDatasetStream(streamOf(bytes, 16_384), {
      fileName: 's.csv',
      onPairs: async (pairs) => void batches.push(pairs),
      onProgress: (p) => progress.push(p),
    });
    expect(report.accepted).toBe(5000);
    expect(batches.flat().map((p) => p.query)).toEqual(
      Array.from({ length: 5000 }, (_, i) => `q${i}`),
    );
    expect(batches.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({
      bytes: bytes.length,
      rows: 5000,
      accepted: 5000,
      rejected: 0,
      duplicates: 0,
    });
    expect(progress.map((p) => p.bytes)).toEqual(
      [...progress.map((p) => p.bytes)].sort((a, b) => a - b),
    );
  });

  it('stops reading and rejects with the abort reason when cancelled halfway', async () => {
    const bytes = utf8(rowsCsv(20_000));
    const controller = new AbortController();
    let pulls = 0;
    const seen: TrainingPair[] = [];
    const run = parseDatasetStream(
      streamOf(bytes, 4096, () => pulls++),
      {
        fileName: 'c.csv',
        signal: controller.signal,
        onPairs: (pairs) => {
          seen.push(...pairs);
          if (seen.length > 1000) controller.abort();
        },
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.length).toBeLessThan(20_000);
    expect(pulls).toBeLessThan(Math.ceil(bytes.length / 4096));
  });

  it('rejects with a DatasetError carrying the report when the file is refused', async () => {
    const run = parseDatasetStream(streamOf(fixtureBytes('no-valid-row.csv'), 5), {
      fileName: 'no-valid-row.csv',
    });
    await expect(run).rejects.toBeInstanceOf(DatasetError);
    await expect(run).rejects.toMatchObject({
      code: 'no-valid-row',
      report: { rows: 3, accepted: 0 },
    });
  });
});

describe('sniffDataset', () => {
  it('detects format, encoding and roles, and previews rows, from the start of a file', () => {
    const bytes = fixtureBytes('utf16le-bom.tsv');
    const preview = sniffDataset(bytes.subarray(0, 420), {
      fileName: 'utf16le-bom.tsv',
      wholeFile: false,
    });
    expect(preview).toEqual({
      format: 'tsv',
      delimiter: '\t',
      encoding: { name: 'utf-16le', bom: true },
      mapping: {
        header: ['anchor', 'positive', 'negative'],
        hasHeader: true,
        roles: ['query', 'positive', 'negative'],
      },
      problems: [],
      rows: [
        [
          'hex nut m10 🔩',
          'Hex nut ISO 4032, class 8, zinc, M10 x 1.5, 16 mm across flats',
          'Hex nut ISO 4032, class 8, zinc, M10 x 1.25 fine, 16 mm across flats',
        ],
      ],
    });
  });

  it('names what is missing so the person can pick the columns', () => {
    const preview = sniffDataset(fixtureBytes('missing-column.csv'), {
      fileName: 'missing-column.csv',
      wholeFile: true,
    });
    expect(preview.mapping.roles).toEqual(['ignore', 'ignore']);
    expect(preview.problems).toHaveLength(2);
    expect(preview.rows).toEqual([['HB-5-18-2', 'Hex bolt 5/16-18 x 2']]);
  });

  it('previews JSON Lines by the first object keys, skipping malformed lines', () => {
    const preview = sniffDataset(fixtureBytes('malformed.jsonl'), {
      fileName: 'malformed.jsonl',
      wholeFile: true,
      rows: 3,
    });
    expect(preview.mapping.header).toEqual(['query', 'positive', 'negatives']);
    expect(preview.rows).toEqual([
      [
        '1/4-20 hex nut',
        'Finished hex nut, grade 5, zinc, 1/4"-20',
        '["Finished hex nut, grade 5, zinc, 1/4\\"-28","Heavy hex nut, 2H, 1/4\\"-20"]',
      ],
      ['8', 'A number where the query should be', ''],
      ['m6 washer', 'Flat washer DIN 125 M6 zinc', 'Flat washer DIN 9021 M6 zinc'],
    ]);
  });

  it('refuses binary data as the full parse does', () => {
    expect(() =>
      sniffDataset(fixtureBytes('workbook.xlsx'), { fileName: 'workbook.xlsx', wholeFile: true }),
    ).toThrow('workbook.xlsx: this is a ZIP archive');
  });
});

describe('summariseReport', () => {
  it('says in one paragraph what was read, rejected and warned about', () => {
    const report = parseDataset(fixtureBytes('duplicates.csv'), {
      fileName: 'duplicates.csv',
    }).report;
    expect(summariseReport(report)).toBe(
      'duplicates.csv (CSV, comma-separated, UTF-8): 6 rows read, 3 accepted, 3 duplicates dropped, 1 query identical to its positive. Columns: query "query", positive "positive".',
    );
    const ragged = parseDataset(fixtureBytes('ragged.csv'), { fileName: 'ragged.csv' }).report;
    expect(summariseReport(ragged)).toBe(
      'ragged.csv (CSV, comma-separated, UTF-8): 6 rows read, 3 accepted, 3 rejected (line 2: expected 3 fields, found 2; line 4: expected 3 fields, found 4; line 8: expected 3 fields, found 4). Columns: query "query", positive "positive", negatives "negative".',
    );
  });
});

describe('relevance grades', () => {
  it('reads a grade column of CSV and JSON Lines as whole-number grades and names it', () => {
    const csv = parseDataset(
      utf8(
        'query,positive,relevance\nreset password,Open Settings,3\nreset password,Billing FAQ,0\n',
      ),
      { fileName: 'graded.csv' },
    );
    expect(csv.pairs).toEqual([
      { query: 'reset password', positive: 'Open Settings', negatives: [], grade: 3 },
      { query: 'reset password', positive: 'Billing FAQ', negatives: [], grade: 0 },
    ]);
    expect(csv.report.columns).toEqual({
      query: 'query',
      positive: 'positive',
      negatives: [],
      score: null,
      grade: 'relevance',
      ignored: [],
    });
    expect(summariseReport(csv.report)).toContain('relevance grade "relevance"');
    const jsonl = parseDataset(
      utf8('{"query": "q", "positive": "p", "negatives": ["n"], "grade": 2}\n'),
      { fileName: 'graded.jsonl' },
    );
    expect(jsonl.pairs).toEqual([{ query: 'q', positive: 'p', negatives: ['n'], grade: 2 }]);
  });

  it('rejects a grade that is not a whole number of 0 or more, naming the line', () => {
    const { pairs, report } = parseDataset(
      utf8('query,positive,grade\na,A,1.5\nb,B,-1\nc,C,high\nd,D,2\n'),
      { fileName: 'graded.csv' },
    );
    expect(pairs).toEqual([{ query: 'd', positive: 'D', negatives: [], grade: 2 }]);
    expect(report.rejected).toEqual([
      {
        line: 2,
        reason:
          '"grade" is "1.5", not a relevance grade (a whole number: 0 not relevant, 1, 2, 3 …)',
      },
      {
        line: 3,
        reason:
          '"grade" is "-1", not a relevance grade (a whole number: 0 not relevant, 1, 2, 3 …)',
      },
      {
        line: 4,
        reason:
          '"grade" is "high", not a relevance grade (a whole number: 0 not relevant, 1, 2, 3 …)',
      },
    ]);
  });
});
