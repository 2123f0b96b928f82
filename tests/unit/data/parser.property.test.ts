import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../src/lib/data/errors.ts';
import { DatasetParser } from '../../../src/lib/data/parser.ts';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import type { DatasetReport } from '../../../src/lib/data/report.ts';

/**
 * Property-based tests of the dataset parser (fast-check): whatever a person drops on the Data
 * page, the parser answers with pairs and a report, or refuses the whole file with a
 * DatasetError; it never throws anything else, and every rejected row names its line.
 */

const FILE_NAMES = ['data.csv', 'data.tsv', 'data.jsonl', 'data.txt'];
const CODES = ['empty', 'binary', 'encoding', 'format', 'columns', 'no-valid-row'];

interface Outcome {
  pairs: TrainingPair[];
  report: DatasetReport | undefined;
  error: DatasetError | null;
}

/** Feeds `bytes` in two chunks split at `cut`, as a stream would; a DatasetError is an outcome. */
function parse(bytes: Uint8Array, fileName: string, cut: number): Outcome {
  const parser = new DatasetParser({ fileName });
  const pairs: TrainingPair[] = [];
  try {
    const at = Math.min(cut, bytes.length);
    pairs.push(...parser.push(bytes.subarray(0, at)));
    pairs.push(...parser.push(bytes.subarray(at)));
    pairs.push(...parser.finish());
    return { pairs, report: parser.report(), error: null };
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    return { pairs, report: e.report, error: e };
  }
}

/** Text made of the characters that steer CSV and JSON Lines parsing. */
const structuredText = fc
  .string({
    unit: fc.constantFrom(
      'a',
      'q',
      ' ',
      ',',
      ';',
      '\t',
      '|',
      '"',
      '\n',
      '\r',
      '{',
      '}',
      ':',
      '[',
      ']',
      '\\',
      'é',
      '\u0000',
    ),
    maxLength: 400,
  })
  .map((s) => new TextEncoder().encode(s));

describe('dataset parser on any input', () => {
  it('never throws anything but a DatasetError, and every rejected row has a line in the file', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), structuredText),
        fc.constantFrom(...FILE_NAMES),
        fc.nat(600),
        (bytes, fileName, cut) => {
          const { report, error } = parse(bytes, fileName, cut);
          if (error) expect(CODES).toContain(error.code);
          // Lines end in LF, CRLF or CR: a line number past their count + 1 names no line.
          const breaks = bytes.filter((b) => b === 0x0a || b === 0x0d).length;
          for (const r of report?.rejected ?? []) {
            expect(Number.isInteger(r.line)).toBe(true);
            expect(r.line).toBeGreaterThanOrEqual(1);
            expect(r.line).toBeLessThanOrEqual(breaks + 1);
            expect(r.reason).not.toBe('');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A generated record: its cells, and whether the validator must reject it (an empty cell). */
interface Row {
  cells: [string, string, string];
  bad: boolean;
}

/** A cell's text: never blank, unique per row (so no row is a duplicate), maybe with CSV's specials. */
const cellText = fc.string({
  unit: fc.constantFrom('a', 'b', 'Z', '9', ' ', ',', '"', '\n', 'é', ';'),
  maxLength: 12,
});

const row = (i: number) =>
  fc
    .record({
      texts: fc.tuple(cellText, cellText, cellText),
      empty: fc.constantFrom(null, 0, 1),
    })
    .map(({ texts, empty }): Row => {
      const cells = texts.map((t, c) => `${'qpn'[c]}${i}${t}`) as Row['cells'];
      if (empty !== null) cells[empty] = '';
      return { cells, bad: empty !== null };
    });

/** RFC 4180: a cell with a delimiter, quote or line break is quoted, its quotes doubled. */
function csvCell(text: string, alwaysQuote: boolean): string {
  return alwaysQuote || /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvFile = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    rows: fc.tuple(...Array.from({ length: n }, (_, i) => row(i))),
    eol: fc.constantFrom('\n', '\r\n'),
    quoteAll: fc.boolean(),
    trailingEol: fc.boolean(),
  }),
);

describe('dataset parser on random CSV structure', () => {
  it('accepts every whole row and rejects every row with an empty cell at the line it starts on', () => {
    fc.assert(
      fc.property(csvFile, fc.nat(2000), ({ rows, eol, quoteAll, trailingEol }, cut) => {
        const records = rows.map((r) => r.cells.map((c) => csvCell(c, quoteAll)).join(','));
        const text = ['query,positive,negative', ...records].join(eol) + (trailingEol ? eol : '');
        // Record k starts after the header and every line break inside the records before it.
        const starts: number[] = [];
        let line = 2;
        for (const r of rows) {
          starts.push(line);
          line += 1 + r.cells.join('').split('\n').length - 1;
        }
        const { pairs, report, error } = parse(new TextEncoder().encode(text), 'data.csv', cut);

        const bad = rows.flatMap((r, k) => (r.bad ? [starts[k]] : []));
        const good = rows.filter((r) => !r.bad);
        if (good.length === 0) expect(error?.code).toBe('no-valid-row');
        else expect(error).toBeNull();
        expect(report!.rows).toBe(rows.length);
        expect(report!.accepted).toBe(good.length);
        expect(report!.rejected.map((r) => r.line)).toEqual(bad);
        expect(pairs.map((p) => p.query)).toEqual(good.map((r) => r.cells[0]));
      }),
      { numRuns: 300 },
    );
  });
});
