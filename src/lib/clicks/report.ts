import type { PreparedLog } from './lists.ts';
import type { PropensityEstimate } from './propensity.ts';
import type { PropensityMode } from './rules.ts';

export type RuleId = 'text' | 'dwell' | 'reformulation' | 'last-click' | 'propensity' | 'negatives';

/** What one rule did, in the order the rules run. */
export interface RuleReport {
  id: RuleId;
  /** What the counts are of: clicks, or (for `negatives`, which runs on pairs) pairs. */
  unit: 'clicks' | 'pairs';
  input: number;
  kept: number;
  dropped: number;
  /**
   * Items changed without being dropped: clicks boosted (`last-click`) or clipped (`propensity`);
   * for `dwell`, the kept clicks with no dwell recorded.
   */
  changed: number;
  /** False when the log lacks a column the rule needs; the rule then keeps everything. */
  available: boolean;
  /** Why it is unavailable, or a caveat on how it ran; null when there is none. */
  note: string | null;
}

/** Clicks at one position: all of the log's, those that made it into pairs, and their weight. */
export interface PositionCount {
  position: number;
  clicks: number;
  kept: number;
  weighted: number;
}

export interface ClickReport {
  rows: number;
  lists: number;
  sessions: number;
  queries: number;
  clicks: number;
  /** Sessions by how many queries they issued: index i is i + 1 queries, the last "5 or more". */
  queriesPerSession: number[];
  meanQueriesPerSession: number;
  byPosition: PositionCount[];
  rules: RuleReport[];
  propensity: {
    mode: PropensityMode | 'unavailable';
    /** The θ in use relative to position 1, for positions 1…max shown (index k − 1). */
    theta: number[];
    estimate: Omit<PropensityEstimate, 'relative'> | null;
  };
  pairs: {
    count: number;
    queries: number;
    clicks: number;
    negativesPerPair: number;
    weight: { min: number; mean: number; max: number } | null;
  };
}

/** Sessions by number of queries: [1, 2, 3, 4, 5 or more]. */
export function queriesPerSession(prepared: PreparedLog): { histogram: number[]; mean: number } {
  const histogram = [0, 0, 0, 0, 0];
  let total = 0;
  for (const s of prepared.sessions) {
    histogram[Math.min(s.length, 5) - 1]++;
    total += s.length;
  }
  return { histogram, mean: prepared.sessions.length ? total / prepared.sessions.length : 0 };
}

/** Raw clicks per position, and the kept clicks with their final weights. */
export function clicksByPosition(
  prepared: PreparedLog,
  keptWeights: Map<number, number>,
): PositionCount[] {
  const { events } = prepared.log;
  const max = events.reduce((m, e) => Math.max(m, e.position), 0);
  const out: PositionCount[] = Array.from({ length: max }, (_, k) => ({
    position: k + 1,
    clicks: 0,
    kept: 0,
    weighted: 0,
  }));
  for (const e of events) if (e.clicked) out[e.position - 1].clicks++;
  for (const [row, weight] of keptWeights) {
    const at = out[events[row].position - 1];
    at.kept++;
    at.weighted += weight;
  }
  return out;
}
