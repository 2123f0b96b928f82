import type { PreparedLog } from './lists.ts';
import type { ClickRules, RuleCount } from './rules.ts';

/** A (query, document) pair built from its kept clicks, before negatives are attached. */
export interface PairDraft {
  query: string;
  /** Index into the log's documents. */
  doc: number;
  positive: string;
  /** Sum of its clicks' weights. */
  weight: number;
  /** Rows of its kept clicks. */
  rows: number[];
}

/** Documents shown above `row` in its list and not clicked there, nearest first. */
export function skippedAbove(prepared: PreparedLog, list: number, row: number): number[] {
  const { events } = prepared.log;
  const rows = prepared.lists[list].rows;
  const above: number[] = [];
  for (const r of rows) {
    if (r === row || events[r].position >= events[row].position) break;
    if (!events[r].clicked) above.push(events[r].doc);
  }
  return above.reverse();
}

/**
 * Per query, the documents skipped above a click anywhere in the log, most often skipped first
 * (then in order of first appearance), leaving out the query's positives.
 */
function skippedPools(
  prepared: PreparedLog,
  positives: Map<string, Set<number>>,
): Map<string, number[]> {
  const { events } = prepared.log;
  const skips = new Map<string, Map<number, number>>();
  for (const list of prepared.lists) {
    const bottom = list.clicks.at(-1);
    if (bottom === undefined) continue;
    let counts = skips.get(list.query);
    if (!counts) skips.set(list.query, (counts = new Map()));
    for (const r of list.rows) {
      if (events[r].position >= events[bottom].position) break;
      if (!events[r].clicked) counts.set(events[r].doc, (counts.get(events[r].doc) ?? 0) + 1);
    }
  }
  const pools = new Map<string, number[]>();
  for (const [query, counts] of skips) {
    const own = positives.get(query);
    const order = [...counts.keys()].filter((d) => !own?.has(d));
    // Map keeps first-seen order, and sort is stable: ties stay in that order.
    pools.set(
      query,
      order.sort((a, b) => (counts.get(b) as number) - (counts.get(a) as number)),
    );
  }
  return pools;
}

/**
 * Gives each pair `perPair` skipped-above negatives: first those of its own clicks' lists
 * (nearest above first), then the query's pool (see `skippedPools`). Never one of the query's
 * positives or a document without text; never the same text twice.
 * A pair for which the log holds fewer is dropped; `count` is in pairs.
 */
export function skippedAboveNegatives(
  prepared: PreparedLog,
  drafts: PairDraft[],
  textOf: (doc: number) => string | null,
  rule: ClickRules['negatives'],
): { kept: (PairDraft & { negatives: string[] })[]; count: RuleCount } {
  const n = rule.perPair;
  if (n <= 0) {
    return {
      kept: drafts.map((d) => ({ ...d, negatives: [] })),
      count: { kept: drafts.length, dropped: 0 },
    };
  }
  // A document that is a positive of the query (a click on it survived the rules) is never also
  // its negative; one that was only bounced from is fair game.
  const positives = new Map<string, Set<number>>();
  for (const d of drafts) {
    let set = positives.get(d.query);
    if (!set) positives.set(d.query, (set = new Set()));
    set.add(d.doc);
  }
  const pools = skippedPools(prepared, positives);
  const listOf = new Map<number, number>();
  prepared.lists.forEach((list, i) => list.clicks.forEach((r) => listOf.set(r, i)));

  const kept: (PairDraft & { negatives: string[] })[] = [];
  for (const draft of drafts) {
    const queryPositives = positives.get(draft.query) as Set<number>;
    const nearest = draft.rows.flatMap((r) => skippedAbove(prepared, listOf.get(r) as number, r));
    const texts = new Set<string>([draft.positive]);
    const negatives: string[] = [];
    for (const doc of [...nearest, ...(pools.get(draft.query) ?? [])]) {
      if (negatives.length === n) break;
      const text = textOf(doc);
      if (text === null || texts.has(text) || queryPositives.has(doc)) continue;
      texts.add(text);
      negatives.push(text);
    }
    if (negatives.length === n) kept.push({ ...draft, negatives });
  }
  return { kept, count: { kept: kept.length, dropped: drafts.length - kept.length } };
}
