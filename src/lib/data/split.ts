import { SettingError } from '../util/setting-error.ts';
import { hash32 } from './hash.ts';
import type { TrainingPair } from './pairs.ts';

export interface SplitOptions {
  /** Same seed and same queries, same split. */
  seed: number;
  /** Share of distinct queries held out for evaluation. */
  evalFraction: number;
  /** Cap on held-out queries: evaluation cost grows with them, its precision barely does past this. */
  maxEvalQueries: number;
}

export const SPLIT_DEFAULTS: Readonly<SplitOptions> = Object.freeze({
  seed: 42,
  evalFraction: 0.1,
  maxEvalQueries: 1000,
});

export interface QuerySplit {
  train: TrainingPair[];
  eval: TrainingPair[];
  evalQueries: Set<string>;
}

/**
 * How many of `n` distinct queries to hold out: `evalFraction` of them (rounded, at least one when
 * there are two or more), at most `maxEvalQueries`, and never all of them.
 */
export function evalQueryCount(n: number, options: SplitOptions): number {
  const wanted = Math.round(options.evalFraction * n);
  const atLeast = options.evalFraction > 0 && n >= 2 ? 1 : 0;
  return Math.max(0, Math.min(options.maxEvalQueries, n - 1, Math.max(atLeast, wanted)));
}

function checkOptions({ seed, evalFraction, maxEvalQueries }: SplitOptions): void {
  if (!Number.isInteger(seed)) throw new SettingError(`split seed must be an integer, got ${seed}`);
  if (!(evalFraction >= 0 && evalFraction < 1)) {
    throw new SettingError(`evalFraction must be at least 0 and below 1, got ${evalFraction}`);
  }
  if (!(maxEvalQueries >= 0)) {
    throw new SettingError(`maxEvalQueries must be 0 or more, got ${maxEvalQueries}`);
  }
}

/**
 * The queries held out for evaluation: those with the smallest seeded hashes (ties broken by the
 * text). The choice depends only on the set of distinct queries and the seed, not on row order.
 */
export function chooseEvalQueries(
  queries: Iterable<string>,
  options: Partial<SplitOptions> = {},
): Set<string> {
  const opts = { ...SPLIT_DEFAULTS, ...options };
  checkOptions(opts);
  const distinct = [...new Set(queries)];
  const k = evalQueryCount(distinct.length, opts);
  if (k === 0) return new Set();
  const hashes = Uint32Array.from(distinct, (q) => hash32(q, opts.seed));
  const cut = hashes.slice().sort()[k - 1];
  const chosen = distinct.filter((_, i) => hashes[i] < cut);
  const tied = distinct.filter((_, i) => hashes[i] === cut).sort();
  return new Set([...chosen, ...tied.slice(0, k - chosen.length)]);
}

/**
 * Splits pairs by query, so that no query is in both sets (no leakage into evaluation). `held`
 * is either the split's settings (the queries are chosen here) or the queries a stored dataset
 * already holds out (`DatasetRecord.evalQueries`, chosen when it was made).
 */
export function splitByQuery(
  pairs: readonly TrainingPair[],
  held: Partial<SplitOptions> | ReadonlySet<string> = {},
): QuerySplit {
  const evalQueries =
    held instanceof Set
      ? new Set(held)
      : chooseEvalQueries(
          pairs.map((p) => p.query),
          held as Partial<SplitOptions>,
        );
  const split: QuerySplit = { train: [], eval: [], evalQueries };
  for (const p of pairs) (evalQueries.has(p.query) ? split.eval : split.train).push(p);
  return split;
}
