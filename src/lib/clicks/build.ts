import type { TrainingPair } from '../data/pairs.ts';
import { documentText, type DocumentTable } from './documents.ts';
import type { PreparedLog } from './lists.ts';
import { skippedAboveNegatives, type PairDraft } from './negatives.ts';
import type { PropensityEstimate } from './propensity.ts';
import {
  clicksByPosition,
  queriesPerSession,
  type ClickReport,
  type RuleReport,
} from './report.ts';
import {
  allClicks,
  checkRules,
  dwellFilter,
  lastClickBoost,
  reformulationFilter,
  type Click,
  type ClickRules,
  type RuleCount,
} from './rules.ts';
import { inversePropensityWeighting, propensityCurve } from './weighting.ts';

export interface ClickPairs {
  pairs: TrainingPair[];
  report: ClickReport;
}

function rule(
  id: RuleReport['id'],
  input: number,
  count: RuleCount,
  extra: Partial<Pick<RuleReport, 'changed' | 'available' | 'note' | 'unit'>> = {},
): RuleReport {
  return {
    id,
    unit: 'clicks',
    input,
    kept: count.kept,
    dropped: count.dropped,
    changed: 0,
    available: true,
    note: null,
    ...extra,
  };
}

/** One draft per (query, document), in order of first click, its weight the sum of its clicks'. */
function aggregate(
  prepared: PreparedLog,
  clicks: Click[],
  textOf: (doc: number) => string | null,
): PairDraft[] {
  const { events } = prepared.log;
  const drafts = new Map<string, PairDraft>();
  for (const c of clicks) {
    const { query, doc } = events[c.row];
    const key = `${query}\u0000${doc}`;
    let draft = drafts.get(key);
    if (!draft) {
      draft = { query, doc, positive: textOf(doc) as string, weight: 0, rows: [] };
      drafts.set(key, draft);
    }
    draft.weight += c.weight;
    draft.rows.push(c.row);
  }
  return [...drafts.values()];
}

/**
 * Runs every rule over a prepared log and returns the weighted pairs with a report of what each
 * rule kept, dropped or changed. Order: clicks on documents without text are dropped, then
 * bounces (dwell), then misses (reformulation); the survivors are weighted (last click, inverse
 * propensity) and summed per (query, document): the IPW estimate of that pair's relevance,
 * Σ_clicks w / θ_k. Finally each pair gets its skipped-above negatives. `estimate` is
 * `estimatePositionBias` of the same log (computed once per log: it does not depend on the rules).
 */
export function buildClickPairs(
  prepared: PreparedLog,
  table: DocumentTable | null,
  rules: ClickRules,
  estimate: PropensityEstimate | null,
): ClickPairs {
  checkRules(rules);
  const { log } = prepared;
  const { columns } = log;
  const texts = log.docs.map((d) => documentText(d, table));
  const textOf = (doc: number) => texts[doc];
  const reports: RuleReport[] = [];

  // 1. Clicks on documents whose text neither the log nor the document table holds.
  const clicks = allClicks(prepared);
  const withText = clicks.filter((c) => texts[log.events[c.row].doc] !== null);
  reports.push(
    rule('text', clicks.length, {
      kept: withText.length,
      dropped: clicks.length - withText.length,
    }),
  );

  // 2. Bounces.
  const dwell = dwellFilter(prepared, withText, {
    ...rules.dwell,
    enabled: columns.dwell && rules.dwell.enabled,
  });
  reports.push(
    rule('dwell', withText.length, dwell.count, {
      changed: dwell.count.unknown,
      available: columns.dwell,
      note: columns.dwell ? null : 'the log has no dwell-time column',
    }),
  );

  // 3. Misses: a reformulation follows.
  const sessions = columns.session;
  const reform = reformulationFilter(prepared, dwell.kept, {
    ...rules.reformulation,
    enabled: sessions && rules.reformulation.enabled,
  });
  reports.push(
    rule('reformulation', dwell.kept.length, reform.count, {
      available: sessions,
      note: !sessions
        ? 'the log has no session column'
        : columns.timestamp
          ? null
          : 'the log has no timestamps: the window is not checked',
    }),
  );

  // 4. Weights: the session's last click, then position bias.
  const last = lastClickBoost(prepared, reform.kept, rules.lastClick);
  reports.push(
    rule('last-click', reform.kept.length, last.count, {
      changed: last.count.boosted,
      available: sessions,
      note: sessions ? null : 'the log has no session column',
    }),
  );
  const curve = propensityCurve(rules.propensity, estimate);
  const ipw = inversePropensityWeighting(prepared, last.kept, curve, rules.propensity.maxWeight);
  reports.push(
    rule('propensity', last.kept.length, ipw.count, {
      changed: ipw.count.clipped,
      available: curve.mode !== 'unavailable',
      note:
        curve.mode === 'unavailable'
          ? 'the log has no clicked column, so position bias cannot be estimated from it: choose a power law'
          : null,
    }),
  );

  // 5. Pairs, and their negatives.
  const drafts = aggregate(prepared, ipw.kept, textOf);
  const negativesAvailable = columns.clicked;
  const perPair = negativesAvailable ? rules.negatives.perPair : 0;
  const negatives = skippedAboveNegatives(prepared, drafts, textOf, { perPair });
  reports.push(
    rule('negatives', drafts.length, negatives.count, {
      unit: 'pairs',
      available: negativesAvailable,
      note: negativesAvailable ? null : 'the log has no clicked column, so no row was skipped',
    }),
  );

  const pairs: TrainingPair[] = negatives.kept.map((d) => ({
    query: d.query,
    positive: d.positive,
    negatives: d.negatives,
    weight: d.weight,
  }));
  const weightOf = new Map(ipw.kept.map((c) => [c.row, c.weight]));
  const keptWeights = new Map<number, number>();
  for (const d of negatives.kept)
    for (const r of d.rows) keptWeights.set(r, weightOf.get(r) as number);

  const weights = pairs.map((p) => p.weight as number);
  const sessionsReport = queriesPerSession(prepared);
  const maxPosition = log.events.reduce((m, e) => Math.max(m, e.position), 0);
  return {
    pairs,
    report: {
      rows: log.events.length,
      lists: prepared.lists.length,
      sessions: prepared.sessions.length,
      queries: new Set(prepared.lists.map((l) => l.query)).size,
      clicks: clicks.length,
      queriesPerSession: sessionsReport.histogram,
      meanQueriesPerSession: sessionsReport.mean,
      byPosition: clicksByPosition(prepared, keptWeights),
      rules: reports,
      propensity: {
        mode: curve.mode,
        theta: Array.from({ length: maxPosition }, (_, k) => curve.theta(k + 1)),
        estimate: estimate && {
          iterations: estimate.iterations,
          converged: estimate.converged,
          impressions: estimate.impressions,
          variedImpressions: estimate.variedImpressions,
        },
      },
      pairs: {
        count: pairs.length,
        queries: new Set(pairs.map((p) => p.query)).size,
        clicks: keptWeights.size,
        negativesPerPair: perPair,
        weight: weights.length
          ? {
              min: weights.reduce((a, b) => Math.min(a, b)),
              mean: weights.reduce((a, b) => a + b, 0) / weights.length,
              max: weights.reduce((a, b) => Math.max(a, b)),
            }
          : null,
      },
    },
  };
}
