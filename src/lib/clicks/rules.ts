import type { PreparedLog } from './lists.ts';

/**
 * Every rule that turns clicks into weighted training pairs, with its default and why. The
 * defaults come from the literature cited beside each; every one is shown and adjustable.
 */
export interface ClickRules {
  /**
   * Clicks followed by a short stay are bounces, not relevance. 30 s is the satisfied-click
   * threshold of Fox et al. (TOIS 2005), used by most search engines' "long click" metrics since.
   */
  dwell: { enabled: boolean; minSeconds: number };
  /**
   * A click followed by a reformulated query in the same session is a miss (Hassan et al.,
   * CIKM 2013: reformulation predicts dissatisfaction). Window: seconds from the end of the visit
   * to the next query.
   */
  reformulation: { enabled: boolean; windowSeconds: number };
  /**
   * The session's last click is where the search ended: the likeliest satisfied click (the "last
   * click" signal of click models such as DBN; Chuklin et al. 2015, §3.6). Weight 2 counts it as
   * two ordinary clicks: a moderate prior, not a measured value; 1 turns it off.
   */
  lastClick: { enabled: boolean; weight: number };
  /**
   * Inverse propensity weighting (Joachims et al., WSDM 2017): a click at position k counts
   * 1/θ_k, θ relative to position 1, so that clicks the layout made rare count for what they
   * say about relevance. `estimated`: θ from the log by EM under the position-based model;
   * `power-law`: θ_k = k^−η as the person sets it; `off`: every click counts 1. Weights are
   * clipped at `maxWeight` (Joachims et al. clip too): a click at a rarely examined position
   * would otherwise dominate whole batches.
   */
  propensity: { mode: PropensityMode; eta: number; maxWeight: number };
  /**
   * Documents shown above a clicked one and not clicked were (under the cascade reading) seen
   * and passed over: hard negatives ("click > skip above", Joachims, KDD 2002). Each pair gets
   * this many; a pair for which the log has fewer is dropped, so that every row has the same
   * negative columns (the trainer uses the columns every row has). 0 turns negatives off.
   */
  negatives: { perPair: number };
}

export type PropensityMode = 'estimated' | 'power-law' | 'off';

export const CLICK_RULE_DEFAULTS: Readonly<ClickRules> = Object.freeze({
  dwell: Object.freeze({ enabled: true, minSeconds: 30 }),
  reformulation: Object.freeze({ enabled: true, windowSeconds: 60 }),
  lastClick: Object.freeze({ enabled: true, weight: 2 }),
  propensity: Object.freeze({ mode: 'estimated' as const, eta: 1, maxWeight: 10 }),
  negatives: Object.freeze({ perPair: 1 }),
});

/** Throws a RangeError naming the first setting out of range (the page never sends one). */
export function checkRules(rules: ClickRules): void {
  const problems: [boolean, string][] = [
    [
      rules.dwell.minSeconds >= 0,
      `minimum dwell must be 0 s or more, got ${rules.dwell.minSeconds}`,
    ],
    [
      rules.reformulation.windowSeconds >= 0,
      `reformulation window must be 0 s or more, got ${rules.reformulation.windowSeconds}`,
    ],
    [
      rules.lastClick.weight > 0,
      `last-click weight must be above 0, got ${rules.lastClick.weight}`,
    ],
    [rules.propensity.eta >= 0, `η must be 0 or more, got ${rules.propensity.eta}`],
    [
      rules.propensity.maxWeight >= 1,
      `maximum weight must be 1 or more, got ${rules.propensity.maxWeight}`,
    ],
    [
      Number.isInteger(rules.negatives.perPair) && rules.negatives.perPair >= 0,
      `negatives per pair must be a whole number from 0, got ${rules.negatives.perPair}`,
    ],
  ];
  const failed = problems.find(([ok]) => !ok);
  if (failed) throw new RangeError(failed[1]);
}

/** A click on its way through the rules: its row, its result list, its weight so far. */
export interface Click {
  row: number;
  list: number;
  weight: number;
}

/** What one rule did to the clicks it was given. */
export interface RuleCount {
  kept: number;
  dropped: number;
}

/** Every click of the log, weight 1, in list order, each list's clicks top to bottom. */
export function allClicks(prepared: PreparedLog): Click[] {
  return prepared.lists.flatMap((list, index) =>
    list.clicks.map((row) => ({ row, list: index, weight: 1 })),
  );
}

const split = (clicks: Click[], keep: (c: Click) => boolean) => {
  const kept = clicks.filter(keep);
  return { kept, count: { kept: kept.length, dropped: clicks.length - kept.length } };
};

/**
 * Drops clicks with a dwell time under `minSeconds`. A click whose dwell was not recorded is
 * kept (counted in `unknown`): nothing says it was a bounce.
 */
export function dwellFilter(
  prepared: PreparedLog,
  clicks: Click[],
  rule: ClickRules['dwell'],
): { kept: Click[]; count: RuleCount & { unknown: number } } {
  const events = prepared.log.events;
  const unknown = clicks.filter((c) => events[c.row].dwellMs === null).length;
  if (!rule.enabled) return { kept: clicks, count: { kept: clicks.length, dropped: 0, unknown } };
  const min = rule.minSeconds * 1000;
  const { kept, count } = split(clicks, (c) => {
    const dwell = events[c.row].dwellMs;
    return dwell === null || dwell >= min;
  });
  return { kept, count: { ...count, unknown } };
}

const terms = (query: string) => new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

/** A different query that shares a term with `query`: an edit of it, not a new topic. */
export function isReformulation(query: string, next: string): boolean {
  const a = terms(query);
  const b = terms(next);
  if (a.size === b.size && [...a].every((t) => b.has(t))) return false;
  return [...a].some((t) => b.has(t));
}

/**
 * The rows that count as misses: for each result list whose next list in the session is a
 * reformulation, its last click (clicks are read top to bottom, as the cascade model has it,
 * since the log has no per-click time) when the next query came within `windowSeconds` of the
 * end of that visit. The visit's end is taken as the list's time plus the dwell: the click came
 * at or after the list, so the true gap is at most this one, and a miss is never claimed on a
 * longer gap than the window. Without timestamps the window cannot be checked and every
 * reformulation counts.
 */
export function reformulationMisses(prepared: PreparedLog, windowSeconds: number): Set<number> {
  const { lists, sessions, log } = prepared;
  const misses = new Set<number>();
  for (const session of sessions) {
    for (let i = 0; i + 1 < session.length; i++) {
      const list = lists[session[i]];
      const next = lists[session[i + 1]];
      const last = list.clicks.at(-1);
      if (last === undefined || !isReformulation(list.query, next.query)) continue;
      if (list.time !== null && next.time !== null) {
        const visitEnd = list.time + (log.events[last].dwellMs ?? 0);
        if (next.time - visitEnd > windowSeconds * 1000) continue;
      }
      misses.add(last);
    }
  }
  return misses;
}

/** Drops the clicks that `reformulationMisses` names. */
export function reformulationFilter(
  prepared: PreparedLog,
  clicks: Click[],
  rule: ClickRules['reformulation'],
): { kept: Click[]; count: RuleCount } {
  if (!rule.enabled) return { kept: clicks, count: { kept: clicks.length, dropped: 0 } };
  const misses = reformulationMisses(prepared, rule.windowSeconds);
  return split(clicks, (c) => !misses.has(c.row));
}

/** Each session's last click: the bottom click of its last list with a click. */
export function lastClicks(prepared: PreparedLog): Set<number> {
  const last = new Set<number>();
  for (const session of prepared.sessions) {
    for (let i = session.length - 1; i >= 0; i--) {
      const row = prepared.lists[session[i]].clicks.at(-1);
      if (row === undefined) continue;
      last.add(row);
      break;
    }
  }
  return last;
}

/**
 * Multiplies the weight of each session's last click by `weight`, when that click is still kept
 * (a last click that was a bounce or a miss stays dropped). `boosted` counts the clicks changed.
 */
export function lastClickBoost(
  prepared: PreparedLog,
  clicks: Click[],
  rule: ClickRules['lastClick'],
): { kept: Click[]; count: RuleCount & { boosted: number } } {
  const none = { kept: clicks.length, dropped: 0 };
  if (!rule.enabled || !prepared.log.columns.session) {
    return { kept: clicks, count: { ...none, boosted: 0 } };
  }
  const last = lastClicks(prepared);
  let boosted = 0;
  const kept = clicks.map((c) => {
    if (!last.has(c.row)) return c;
    boosted++;
    return { ...c, weight: c.weight * rule.weight };
  });
  return { kept, count: { ...none, boosted } };
}
