import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectClickColumns, detectDocumentColumns } from '../../../src/lib/clicks/columns.ts';
import { clickDatasetRecord } from '../../../src/lib/clicks/dataset.ts';
import { pairsCsv } from '../../../src/lib/data/pairs-csv.ts';
import { describeRule } from '../../../src/lib/clicks/describe.ts';
import { CLICK_RULE_DEFAULTS } from '../../../src/lib/clicks/rules.ts';
import { withWeightColumn, scoresToWeights } from '../../../src/lib/clicks/weight-column.ts';
import { ClickWorkbench } from '../../../src/lib/clicks/workbench.ts';
import { parseDataset } from '../../../src/lib/data/parser.ts';
import { sniffDataset } from '../../../src/lib/data/sniff.ts';
import { chooseEvalQueries } from '../../../src/lib/data/split.ts';
import { FIXTURE_DIR } from './fixture.ts';

const LOG = new Uint8Array(readFileSync(`${FIXTURE_DIR}log.csv`));
const DOCS = new Uint8Array(readFileSync(`${FIXTURE_DIR}docs.csv`));
const header = (bytes: Uint8Array) => new TextDecoder().decode(bytes).split('\n', 1)[0].split(',');

/** The fixture's rows straight from its lines (no cell holds a comma). */
const rows = new TextDecoder()
  .decode(LOG)
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
/** Dwell (ms) of every clicked row. */
const clickDwells = rows.filter((cells) => cells[5] === '1').map((cells) => Number(cells[6]));

function workbench(): ClickWorkbench {
  const bench = new ClickWorkbench();
  bench.loadLog(LOG, { fileName: 'log.csv', mapping: detectClickColumns(header(LOG)) });
  bench.loadDocuments(DOCS, { fileName: 'docs.csv', mapping: detectDocumentColumns(header(DOCS)) });
  return bench;
}

describe('ClickWorkbench on the committed fixture', () => {
  it('summarises the log: ids only, so every document needs the table', () => {
    const bench = new ClickWorkbench();
    const summary = bench.loadLog(LOG, {
      fileName: 'log.csv',
      mapping: detectClickColumns(header(LOG)),
    });
    expect(summary.report.accepted).toBe(rows.length);
    expect(summary.report.rejected).toEqual([]);
    expect(summary.idOnlyDocuments).toBe(new Set(rows.map((cells) => cells[3])).size);
    // Without the table no click has text: the first rule drops them all.
    const bare = bench.build(CLICK_RULE_DEFAULTS)!;
    expect(bare.pairs).toEqual([]);
    expect(bare.report.rules[0]).toMatchObject({
      id: 'text',
      kept: 0,
      dropped: clickDwells.length,
    });
  });

  it('drops exactly the clicks under the dwell threshold, and follows it when it moves', () => {
    const bench = workbench();
    for (const minSeconds of [30, 10, 45]) {
      const { report } = bench.build({
        ...CLICK_RULE_DEFAULTS,
        dwell: { enabled: true, minSeconds },
      })!;
      const short = clickDwells.filter((ms) => ms < minSeconds * 1000).length;
      expect(report.clicks).toBe(clickDwells.length);
      expect(report.rules[1]).toMatchObject({
        id: 'dwell',
        input: clickDwells.length,
        dropped: short,
        kept: clickDwells.length - short,
      });
    }
  });

  it('makes a dataset record with the eval queries of the usual split', () => {
    const bench = workbench();
    const { pairs } = bench.build(CLICK_RULE_DEFAULTS)!;
    expect(pairs.length).toBeGreaterThan(0);
    const record = clickDatasetRecord({
      id: 'x',
      name: 'Clicks',
      created: 1,
      source: bench.source!,
      log: bench.report!,
      pairs,
    });
    expect(record.columns).toEqual({
      query: 'query',
      positive: 'clicked document',
      negatives: ['skipped above'],
    });
    expect(record.counts).toEqual({ pairs: pairs.length, rejected: 0, warnings: 0, duplicates: 0 });
    expect(record.evalQueries).toEqual([...chooseEvalQueries(pairs.map((p) => p.query))]);
    expect(record.source).toEqual({
      fileName: 'log.csv',
      size: LOG.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('writes pairs as CSV that train --weight-column reads back to the same weighted pairs', () => {
    const { pairs } = workbench().build(CLICK_RULE_DEFAULTS)!;
    const csv = new TextEncoder().encode(pairsCsv(pairs, { weight: true }));
    const mapping = withWeightColumn(
      sniffDataset(csv, { fileName: 'pairs.csv', wholeFile: true }).mapping,
      'weight',
    );
    const read = parseDataset(csv, { fileName: 'pairs.csv', mapping });
    expect(scoresToWeights(read.pairs, 'weight')).toEqual(pairs);
  });
});

describe('describeRule', () => {
  it('says what a rule kept and dropped, or why it did not run', () => {
    const base = { input: 172, kept: 125, dropped: 47, changed: 0, available: true, note: null };
    expect(describeRule({ ...base, id: 'dwell', unit: 'clicks' })).toBe(
      'keeps 125 clicks · drops 47 (27.3%)',
    );
    expect(describeRule({ ...base, id: 'last-click', unit: 'clicks', changed: 83 })).toBe(
      'boosts 83 of 172 clicks',
    );
    expect(
      describeRule({
        ...base,
        id: 'reformulation',
        unit: 'clicks',
        available: false,
        note: 'the log has no session column',
      }),
    ).toBe('not available: the log has no session column');
  });
});
