/**
 * Every figure the kit's report shows, as one JSON object that `reproduce.py` recomputes from
 * the qrels and the run files and compares leaf by leaf: each system's means and intervals under
 * both metric sets, each comparison's difference, p, Holm-adjusted p, effect size and
 * wins/ties/losses, the per-query nDCG of the per-query table, and the biggest regressions.
 * `method` holds what the figures were computed with (not itself recomputed).
 */
import type { ConfidenceInterval } from '../bootstrap.ts';
import type { Comparison } from '../evidence.ts';
import type { EvaluationReport, SystemReport } from '../report.ts';

/** A system's role in the kit: the base model, and the model compared with it. */
export type Role = 'base' | 'compared';

export const SOURCES = ['sentence-transformers', 'trec_eval'] as const;

/** The per-query figure of each source that the report's table lists. */
export const QUERY_FIGURES = { 'sentence-transformers': 'ndcg@10', trec_eval: 'ndcg_cut_10' };

/** How many regressed queries the report lists. */
export const REGRESSIONS_LISTED = 10;

type Interval = Pick<ConfidenceInterval, 'mean' | 'lower' | 'upper'>;

export interface KitModel {
  role: Role;
  model: string;
  /** `weightsSha256` of the model's weights; null when unknown. */
  weightsSha256: string | null;
}

export interface KitMethod {
  dataset: EvaluationReport['dataset'] & { sha256: string | null; splitSeed: number | null };
  models: KitModel[];
  resampling: EvaluationReport['resampling'];
  /** Documents per query in each run file: the deepest metric cut-off. */
  depth: number;
  created: string;
}

export interface KitFigures {
  method: KitMethod;
  /** Role → source → metric → mean and interval. */
  systems: Partial<Record<Role, Record<string, Record<string, Interval>>>>;
  /** `<source> <metric>` → the paired comparison of compared against base. */
  comparisons: Record<
    string,
    Pick<Comparison, 'p' | 'pHolm' | 'effectSize' | 'wins' | 'ties' | 'losses' | 'significant'> & {
      difference: Interval;
    }
  >;
  /** Role → query → the `QUERY_FIGURES` (null where sentence-transformers dropped the query). */
  perQuery: Partial<Record<Role, Record<string, Record<string, number | null>>>>;
  /** Query ids whose sentence-transformers nDCG@10 fell most, worst first (at most 10). */
  regressions: string[];
}

const interval = ({ mean, lower, upper }: Interval): Interval => ({ mean, lower, upper });

function systemFigures(system: SystemReport): Record<string, Record<string, Interval>> {
  if (!system.trec) throw new Error(`the report of ${system.model} has no trec_eval measures`);
  const { trec } = system;
  return {
    'sentence-transformers': Object.fromEntries(
      Object.entries(system.intervals).map(([k, ci]) => [k, interval(ci)]),
    ),
    trec_eval: Object.fromEntries(
      Object.entries(trec.intervals).map(([k, ci]) => [k, interval(ci)]),
    ),
  };
}

function queryFigures(
  system: SystemReport,
  queryIds: readonly string[],
): Record<string, Record<string, number | null>> {
  return Object.fromEntries(
    queryIds.map((id) => [
      id,
      {
        'ndcg@10': (system.perQuery[id]?.['ndcg@10'] as number | undefined) ?? null,
        ndcg_cut_10: system.trec!.perQuery[id].ndcg_cut_10,
      },
    ]),
  );
}

/**
 * The queries whose nDCG@10 (sentence-transformers) dropped, most first; equal drops keep the
 * query order. Only queries both systems were scored on.
 */
export function biggestRegressions(base: SystemReport, compared: SystemReport): string[] {
  return Object.keys(base.perQuery)
    .map((id) => ({
      id,
      change:
        (compared.perQuery[id]['ndcg@10'] as number) - (base.perQuery[id]['ndcg@10'] as number),
    }))
    .filter((q) => q.change < 0)
    .sort((a, b) => a.change - b.change)
    .slice(0, REGRESSIONS_LISTED)
    .map((q) => q.id);
}

export function kitFigures(report: EvaluationReport, method: KitMethod): KitFigures {
  // trec_eval scores every judged query; sentence-transformers the ones with a relevant document.
  const queryIds = Object.keys(report.trec?.perQuery ?? {});
  const figures: KitFigures = {
    method,
    systems: { base: systemFigures(report) },
    comparisons: {},
    perQuery: { base: queryFigures(report, queryIds) },
    regressions: [],
  };
  if (report.compare) {
    figures.systems.compared = systemFigures(report.compare);
    figures.perQuery.compared = queryFigures(report.compare, queryIds);
    figures.regressions = biggestRegressions(report, report.compare);
  }
  for (const c of report.comparisons ?? []) {
    figures.comparisons[`${c.source} ${c.metric}`] = {
      difference: interval(c.difference),
      p: c.p,
      pHolm: c.pHolm,
      effectSize: c.effectSize,
      wins: c.wins,
      ties: c.ties,
      losses: c.losses,
      significant: c.significant,
    };
  }
  return figures;
}
