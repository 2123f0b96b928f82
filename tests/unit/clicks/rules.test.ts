import { describe, expect, it } from 'vitest';
import { buildClickPairs } from '../../../src/lib/clicks/build.ts';
import { readDocumentTable, type DocumentTable } from '../../../src/lib/clicks/documents.ts';
import { prepareLog, type PreparedLog } from '../../../src/lib/clicks/lists.ts';
import { readClickLog } from '../../../src/lib/clicks/log.ts';
import { skippedAbove, skippedAboveNegatives } from '../../../src/lib/clicks/negatives.ts';
import {
  allClicks,
  checkRules,
  CLICK_RULE_DEFAULTS,
  dwellFilter,
  isReformulation,
  lastClickBoost,
  reformulationFilter,
  type ClickRules,
} from '../../../src/lib/clicks/rules.ts';
import { inversePropensityWeighting, propensityCurve } from '../../../src/lib/clicks/weighting.ts';

/**
 * Two hand-built sessions (line numbers in brackets):
 *   s1 09:00:00 "reset password"        a(1) · b(2) clicked, 5 s · c(3) clicked, 45 s
 *   s1 09:01:30 "reset password email"  a(1) · d(2) clicked, 90 s · e(3)
 *   s2 10:00:00 "refund card"           f(1) clicked, dwell not recorded · g(2) · h(3) clicked, 40 s
 *   s2 10:00:30 "invoice copy"          i(1) clicked, 60 s · j(2)
 * Clicks: b, c, d, f, h, i.
 */
const LOG = `session_id,timestamp,query,doc_id,position,clicked,dwell_ms
s1,2025-01-06T09:00:00Z,reset password,a,1,0,
s1,2025-01-06T09:00:00Z,reset password,b,2,1,5000
s1,2025-01-06T09:00:00Z,reset password,c,3,1,45000
s1,2025-01-06T09:01:30Z,reset password email,a,1,0,
s1,2025-01-06T09:01:30Z,reset password email,d,2,1,90000
s1,2025-01-06T09:01:30Z,reset password email,e,3,0,
s2,2025-01-06T10:00:00Z,refund card,f,1,1,
s2,2025-01-06T10:00:00Z,refund card,g,2,0,
s2,2025-01-06T10:00:00Z,refund card,h,3,1,40000
s2,2025-01-06T10:00:30Z,invoice copy,i,1,1,60000
s2,2025-01-06T10:00:30Z,invoice copy,j,2,0,
`;
const DOCS = `id,text\n${[...'abcdefghij'].map((d) => `${d},text of ${d}`).join('\n')}\n`;

const bytes = (text: string) => new TextEncoder().encode(text);
const prepared: PreparedLog = prepareLog(readClickLog(bytes(LOG), { fileName: 'log.csv' }).log);
const table: DocumentTable = readDocumentTable(bytes(DOCS), { fileName: 'docs.csv' }).table;

/** The document ids of clicks (or rows), for readable expectations. */
const ids = (rows: number[]) => rows.map((r) => prepared.log.docs[prepared.log.events[r].doc].id);
const clickIds = (clicks: { row: number }[]) => ids(clicks.map((c) => c.row));

const POWER_LAW: ClickRules = {
  ...CLICK_RULE_DEFAULTS,
  propensity: { mode: 'power-law', eta: 1, maxWeight: 10 },
};

describe('result lists and sessions', () => {
  it('groups rows by session, query and time, each list top to bottom', () => {
    expect(prepared.lists.map((l) => [l.query, l.session, ids(l.rows), ids(l.clicks)])).toEqual([
      ['reset password', 0, ['a', 'b', 'c'], ['b', 'c']],
      ['reset password email', 0, ['a', 'd', 'e'], ['d']],
      ['refund card', 1, ['f', 'g', 'h'], ['f', 'h']],
      ['invoice copy', 1, ['i', 'j'], ['i']],
    ]);
    expect(prepared.sessions).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });
});

describe('dwell-time filter', () => {
  it('drops clicks under 30 s and keeps clicks whose dwell was not recorded', () => {
    const { kept, count } = dwellFilter(prepared, allClicks(prepared), CLICK_RULE_DEFAULTS.dwell);
    // b (5 s) is a bounce; f has no dwell and stays.
    expect(clickIds(kept)).toEqual(['c', 'd', 'f', 'h', 'i']);
    expect(count).toEqual({ kept: 5, dropped: 1, unknown: 1 });
  });

  it('follows the threshold: at 50 s, c (45 s) and h (40 s) go too', () => {
    const { kept, count } = dwellFilter(prepared, allClicks(prepared), {
      enabled: true,
      minSeconds: 50,
    });
    expect(clickIds(kept)).toEqual(['d', 'f', 'i']);
    expect(count).toEqual({ kept: 3, dropped: 3, unknown: 1 });
  });

  it('keeps everything when turned off', () => {
    const { count } = dwellFilter(prepared, allClicks(prepared), {
      enabled: false,
      minSeconds: 30,
    });
    expect(count).toEqual({ kept: 6, dropped: 0, unknown: 1 });
  });
});

describe('session signals', () => {
  it('reads an edit of the query as a reformulation, a new topic or the same words as none', () => {
    expect(isReformulation('reset password', 'reset password email')).toBe(true);
    expect(isReformulation('refund card', 'invoice copy')).toBe(false);
    expect(isReformulation('Reset password', 'reset  password!')).toBe(false);
  });

  it('drops the last click before a reformulation within the window as a miss', () => {
    // c ends its visit at 09:00:45; "reset password email" comes 45 s later, inside 60 s. b was
    // followed by c, not by the reformulation; "invoice copy" shares no term with "refund card".
    const { kept, count } = reformulationFilter(
      prepared,
      allClicks(prepared),
      CLICK_RULE_DEFAULTS.reformulation,
    );
    expect(clickIds(kept)).toEqual(['b', 'd', 'f', 'h', 'i']);
    expect(count).toEqual({ kept: 5, dropped: 1 });
  });

  it('keeps the click when the reformulation came after the window', () => {
    const { count } = reformulationFilter(prepared, allClicks(prepared), {
      enabled: true,
      windowSeconds: 44,
    });
    expect(count).toEqual({ kept: 6, dropped: 0 });
  });

  it('weights each session’s last click: d in s1, i in s2', () => {
    const { kept, count } = lastClickBoost(prepared, allClicks(prepared), {
      enabled: true,
      weight: 2,
    });
    expect(kept.map((c) => [ids([c.row])[0], c.weight])).toEqual([
      ['b', 1],
      ['c', 1],
      ['d', 2],
      ['f', 1],
      ['h', 1],
      ['i', 2],
    ]);
    expect(count).toEqual({ kept: 6, dropped: 0, boosted: 2 });
  });

  it('boosts nothing when the last click was already dropped', () => {
    const withoutI = allClicks(prepared).filter((c) => ids([c.row])[0] !== 'i');
    const { count } = lastClickBoost(prepared, withoutI, { enabled: true, weight: 2 });
    expect(count.boosted).toBe(1);
  });
});

describe('inverse propensity weighting', () => {
  it('weights a click at position k by k^η under a power law, clipped at the maximum', () => {
    const curve = propensityCurve({ mode: 'power-law', eta: 1, maxWeight: 2.5 }, null);
    const { kept, count } = inversePropensityWeighting(prepared, allClicks(prepared), curve, 2.5);
    // b, d at 2 → 2; c, h at 3 → 3, clipped to 2.5; f, i at 1 → 1.
    expect(kept.map((c) => c.weight)).toEqual([2, 2.5, 2, 1, 2.5, 1]);
    expect(count).toEqual({ kept: 6, dropped: 0, clipped: 2 });
  });

  it('leaves weights alone when off, and says when an estimate is unavailable', () => {
    const off = propensityCurve({ mode: 'off', eta: 1, maxWeight: 10 }, null);
    expect(
      inversePropensityWeighting(prepared, allClicks(prepared), off, 10).kept.map((c) => c.weight),
    ).toEqual([1, 1, 1, 1, 1, 1]);
    expect(propensityCurve({ mode: 'estimated', eta: 1, maxWeight: 10 }, null).mode).toBe(
      'unavailable',
    );
  });
});

describe('skipped-above negatives', () => {
  it('lists the unclicked documents above a click, nearest first', () => {
    const h = prepared.lists[2].clicks[1];
    expect(ids([h])).toEqual(['h']);
    expect(skippedAbove(prepared, 2, h).map((d) => prepared.log.docs[d].id)).toEqual(['g']);
  });

  it('gives each pair its own skipped-above document, else one from the query’s other lists, and drops pairs with none', () => {
    const text = (id: string) => `text of ${id}`;
    const drafts = ['d', 'f', 'h', 'i'].map((id) => {
      const row = prepared.log.events.findIndex(
        (e) => e.clicked && prepared.log.docs[e.doc].id === id,
      );
      const e = prepared.log.events[row];
      return { query: e.query, doc: e.doc, positive: text(id), weight: 1, rows: [row] };
    });
    const { kept, count } = skippedAboveNegatives(
      prepared,
      drafts,
      (doc) => text(prepared.log.docs[doc].id as string),
      { perPair: 1 },
    );
    // d: a sits above it. f is at the top, but g was skipped above h for the same query.
    // i is at the top and "invoice copy" has nothing skipped: dropped.
    expect(kept.map((p) => [p.positive, p.negatives])).toEqual([
      ['text of d', ['text of a']],
      ['text of f', ['text of g']],
      ['text of h', ['text of g']],
    ]);
    expect(count).toEqual({ kept: 3, dropped: 1 });
  });
});

describe('buildClickPairs', () => {
  it('runs every rule in order and reports what each kept, dropped or changed', () => {
    const { pairs, report } = buildClickPairs(prepared, table, POWER_LAW, null);
    // Kept clicks d (2 × last 2 = 4), f (1), h (3), i (1 × last 2 = 2); i has no negative.
    expect(pairs).toEqual([
      { query: 'reset password email', positive: 'text of d', negatives: ['text of a'], weight: 4 },
      { query: 'refund card', positive: 'text of f', negatives: ['text of g'], weight: 1 },
      { query: 'refund card', positive: 'text of h', negatives: ['text of g'], weight: 3 },
    ]);
    expect(report.rules.map((r) => [r.id, r.input, r.kept, r.dropped, r.changed])).toEqual([
      ['text', 6, 6, 0, 0],
      ['dwell', 6, 5, 1, 1],
      ['reformulation', 5, 4, 1, 0],
      ['last-click', 4, 4, 0, 2],
      ['propensity', 4, 4, 0, 0],
      ['negatives', 4, 3, 1, 0],
    ]);
    expect(report.byPosition).toEqual([
      { position: 1, clicks: 2, kept: 1, weighted: 1 },
      { position: 2, clicks: 2, kept: 1, weighted: 4 },
      { position: 3, clicks: 2, kept: 1, weighted: 3 },
    ]);
    expect(report.queriesPerSession).toEqual([0, 2, 0, 0, 0]);
    expect(report.meanQueriesPerSession).toBe(2);
    expect(report.propensity.theta).toEqual([1, 0.5, 1 / 3]);
    expect(report.pairs).toEqual({
      count: 3,
      queries: 2,
      clicks: 3,
      negativesPerPair: 1,
      weight: { min: 1, mean: 8 / 3, max: 4 },
    });
  });

  it('refuses a setting out of range by name', () => {
    expect(() =>
      buildClickPairs(prepared, table, { ...POWER_LAW, negatives: { perPair: 1.5 } }, null),
    ).toThrow(new RangeError('negatives per pair must be a whole number from 0, got 1.5'));
    expect(() =>
      checkRules({ ...POWER_LAW, propensity: { mode: 'off', eta: 1, maxWeight: 0.5 } }),
    ).toThrow('maximum weight must be 1 or more, got 0.5');
  });

  it('drops clicks on documents that have no text anywhere', () => {
    const partial = new Map([...table].filter(([id]) => id !== 'f'));
    const { pairs, report } = buildClickPairs(prepared, partial, POWER_LAW, null);
    expect(report.rules[0]).toMatchObject({ id: 'text', input: 6, kept: 5, dropped: 1 });
    expect(pairs.map((p) => p.positive)).toEqual(['text of d', 'text of h']);
  });

  it('without negatives keeps every pair, with empty negative lists', () => {
    const { pairs, report } = buildClickPairs(
      prepared,
      table,
      { ...POWER_LAW, negatives: { perPair: 0 } },
      null,
    );
    expect(pairs.map((p) => [p.positive, p.negatives.length, p.weight])).toEqual([
      ['text of d', 0, 4],
      ['text of f', 0, 1],
      ['text of h', 0, 3],
      ['text of i', 0, 2],
    ]);
    expect(report.rules.at(-1)).toMatchObject({ id: 'negatives', kept: 4, dropped: 0 });
  });

  it('sums the weights of repeated clicks on one (query, document)', () => {
    const twice = LOG + LOG.split('\n').slice(7, 10).join('\n').replaceAll('s2,', 's3,') + '\n';
    const again = prepareLog(readClickLog(bytes(twice), { fileName: 'log.csv' }).log);
    const { pairs } = buildClickPairs(again, table, POWER_LAW, null);
    // s3 repeats "refund card": f (1) and h (3, now the session's last click: × 2 = 6).
    expect(pairs.map((p) => [p.positive, p.weight])).toEqual([
      ['text of d', 4],
      ['text of f', 2],
      ['text of h', 9],
    ]);
  });
});
