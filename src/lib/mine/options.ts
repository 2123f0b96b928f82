/**
 * The settings of hard-negative mining, named and defaulted as sentence-transformers'
 * `mine_hard_negatives` has them (`relative_margin` 0.05, the NV-Retriever "TopK-PercPos 95%"
 * setting the reference recommends, is our default where the reference has none).
 */
export type Sampling = 'top' | 'random';

export interface MiningOptions {
  /** Negatives per query: the `negative_1..n` columns of the mined dataset. */
  numNegatives: number;
  /** Skip the first `rangeMin` candidates left after the filters (likely unlabelled positives). */
  rangeMin: number;
  /** Consider candidates up to this position; null derives it as the reference does. */
  rangeMax: number | null;
  /** Drop a candidate scoring above `positive − |positive|·m` (NV-Retriever's percentage margin). */
  relativeMargin: number | null;
  /** Drop a candidate with `score + m > positive`. */
  absoluteMargin: number | null;
  /** Drop a candidate scoring above this. */
  maxScore: number | null;
  /** Drop a candidate scoring below this. */
  minScore: number | null;
  /** `top`: the hardest survivors; `random`: a uniform sample of the survivors in range. */
  sampling: Sampling;
  /** Seed of `random` sampling. */
  seed: number;
}

export const DEFAULT_MINING_OPTIONS: Readonly<MiningOptions> = Object.freeze({
  numNegatives: 3,
  rangeMin: 0,
  rangeMax: null,
  relativeMargin: 0.05,
  absoluteMargin: null,
  maxScore: null,
  minScore: null,
  sampling: 'top',
  seed: 42,
});

/** The options with `rangeMax` resolved, and how many ranked candidates each query needs. */
export interface MiningPlan extends MiningOptions {
  rangeMax: number;
  /**
   * Candidates taken from the top of each ranking: `rangeMax` plus room for the most positives
   * any query has, since positives are removed from the same list (the reference's
   * `k = range_max + max_positives`).
   */
  window: number;
}

/** Options that cannot mine, named by their option. */
export class MiningOptionsError extends Error {
  override name = 'MiningOptionsError';
}

/**
 * An options message with each option's name replaced by what the person knows it as (a CLI flag,
 * a form label).
 */
export function renameOptions(
  message: string,
  names: Partial<Record<keyof MiningOptions, string>>,
): string {
  return Object.entries(names).reduce((m, [option, name]) => m.replaceAll(option, name), message);
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new MiningOptionsError(message);
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0;
const finiteOrNull = (v: number | null) => v === null || Number.isFinite(v);

/**
 * Validates `options` and derives what the reference derives: without `rangeMax`, the range is
 * `rangeMin + numNegatives + maxPositives`, or `rangeMin + 10·numNegatives + maxPositives` when a
 * margin or `maxScore` may skip candidates.
 */
export function planMining(options: Partial<MiningOptions>, maxPositives: number): MiningPlan {
  const o: MiningOptions = { ...DEFAULT_MINING_OPTIONS, ...options };
  check(
    Number.isInteger(o.numNegatives) && o.numNegatives >= 1,
    `numNegatives must be an integer ≥ 1, got ${o.numNegatives}`,
  );
  check(isCount(o.rangeMin), `rangeMin must be an integer ≥ 0, got ${o.rangeMin}`);
  check(isCount(maxPositives), `maxPositives must be an integer ≥ 0, got ${maxPositives}`);
  for (const key of ['relativeMargin', 'absoluteMargin', 'maxScore', 'minScore'] as const) {
    check(finiteOrNull(o[key]), `${key} must be a finite number or unset, got ${o[key]}`);
  }
  check(
    o.sampling === 'top' || o.sampling === 'random',
    `sampling must be "top" or "random", got "${o.sampling}"`,
  );
  check(Number.isInteger(o.seed), `seed must be an integer, got ${o.seed}`);
  const filtered = o.relativeMargin !== null || o.absoluteMargin !== null || o.maxScore !== null;
  const rangeMax = o.rangeMax ?? o.rangeMin + o.numNegatives * (filtered ? 10 : 1) + maxPositives;
  check(Number.isInteger(rangeMax), `rangeMax must be an integer, got ${rangeMax}`);
  check(
    o.rangeMin < rangeMax,
    `rangeMin must be smaller than rangeMax, got rangeMin ${o.rangeMin} and rangeMax ${rangeMax}`,
  );
  check(
    o.numNegatives <= rangeMax - o.rangeMin,
    `cannot mine ${o.numNegatives} negatives per query: only ${rangeMax - o.rangeMin} candidates ` +
      `lie between rangeMin ${o.rangeMin} and rangeMax ${rangeMax}; lower numNegatives or ` +
      `rangeMin, or raise rangeMax`,
  );
  return { ...o, rangeMax, window: rangeMax + maxPositives };
}
