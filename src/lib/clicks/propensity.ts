import type { PreparedLog } from './lists.ts';

/**
 * Position bias under the position-based model (PBM; Craswell et al. 2008, Chuklin et al.,
 * "Click Models for Web Search", 2015, §3.2):
 *
 *   P(click | q, d, k) = θ_k · γ_qd        θ_k: chance position k is examined; γ_qd: relevance
 *
 * estimated by expectation–maximisation on the log itself (as Wang et al., WSDM 2018, do for
 * unbiased learning to rank). For each shown row with click c:
 *
 *   E-step  P(E=1 | c=0) = θ_k (1−γ) / (1 − θ_k γ)     P(R=1 | c=0) = (1−θ_k) γ / (1 − θ_k γ)
 *   M-step  θ_k = mean over rows at k of [c + (1−c) P(E=1 | c=0)]
 *           γ_qd = mean over rows of (q, d) of [c + (1−c) P(R=1 | c=0)]
 *
 * Why EM and not intervention harvesting or swap experiments (Joachims et al., WSDM 2017): those
 * need result randomisation or several rankers, which an exported log rarely records; EM needs
 * only that some (query, document) pairs were shown at more than one position (the ranker changed,
 * results were personalised), which ordinary logs have. θ is identified up to a common factor
 * (θ·c, γ/c fit alike), so the estimate is relative to position 1; inverse propensity weights need
 * nothing more. With no pair shown at two positions the split between θ and γ is not identified:
 * `variedImpressions` says how much of the log carries the estimate.
 */
export interface PropensityEstimate {
  /** θ_k / θ_1 at index k − 1; NaN for a position the log never shows. */
  relative: number[];
  iterations: number;
  converged: boolean;
  /** Rows shown (clicked or not) that entered the estimate. */
  impressions: number;
  /** Rows whose (query, document) pair was shown at two or more positions. */
  variedImpressions: number;
}

export interface EstimateOptions {
  maxIterations?: number;
  /** Stop when no θ_k moves by more than this in an iteration. */
  tolerance?: number;
}

/** Keeps 1 − θγ away from 0 and the estimates inside (0, 1). */
const EPS = 1e-9;
const clamp = (x: number) => Math.min(1 - EPS, Math.max(EPS, x));

/**
 * The PBM position bias of a log that records unclicked rows too; null for a click-only log (no
 * `clicked` column), where nothing tells a skipped document from an unseen one.
 */
export function estimatePositionBias(
  prepared: PreparedLog,
  options: EstimateOptions = {},
): PropensityEstimate | null {
  const { log } = prepared;
  if (!log.columns.clicked) return null;
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-7;
  const n = log.events.length;

  // Rows as flat arrays: position (0-based), (query, document) pair index, click.
  const position = new Int32Array(n);
  const pair = new Int32Array(n);
  const click = new Uint8Array(n);
  const pairIndex = new Map<string, number>();
  const positionsOfPair: Set<number>[] = [];
  let K = 0;
  log.events.forEach((e, i) => {
    const key = `${e.query}\u0000${e.doc}`;
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = positionsOfPair.length;
      pairIndex.set(key, p);
      positionsOfPair.push(new Set());
    }
    positionsOfPair[p].add(e.position);
    position[i] = e.position - 1;
    pair[i] = p;
    click[i] = e.clicked ? 1 : 0;
    K = Math.max(K, e.position);
  });
  const P = positionsOfPair.length;
  const shownAt = new Float64Array(K);
  const shownPair = new Float64Array(P);
  let varied = 0;
  for (let i = 0; i < n; i++) {
    shownAt[position[i]]++;
    shownPair[pair[i]]++;
    if (positionsOfPair[pair[i]].size > 1) varied++;
  }

  const theta = new Float64Array(K).fill(0.5);
  const gamma = new Float64Array(P).fill(0.5);
  const thetaSum = new Float64Array(K);
  const gammaSum = new Float64Array(P);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    thetaSum.fill(0);
    gammaSum.fill(0);
    for (let i = 0; i < n; i++) {
      const k = position[i];
      const p = pair[i];
      if (click[i]) {
        thetaSum[k]++;
        gammaSum[p]++;
        continue;
      }
      const t = theta[k];
      const g = gamma[p];
      const unclicked = 1 - t * g;
      thetaSum[k] += (t * (1 - g)) / unclicked;
      gammaSum[p] += ((1 - t) * g) / unclicked;
    }
    let moved = 0;
    for (let k = 0; k < K; k++) {
      if (shownAt[k] === 0) continue;
      const next = clamp(thetaSum[k] / shownAt[k]);
      moved = Math.max(moved, Math.abs(next - theta[k]));
      theta[k] = next;
    }
    for (let p = 0; p < P; p++) gamma[p] = clamp(gammaSum[p] / shownPair[p]);
    converged = moved < tolerance;
  }
  // Relative to position 1, or to the first position shown when a log starts lower (page 2).
  const first = theta[shownAt.findIndex((count) => count > 0)];
  const relative = Array.from(theta, (t, k) => (shownAt[k] === 0 ? NaN : t / first));
  return { relative, iterations, converged, impressions: n, variedImpressions: varied };
}

/** θ_k = k^−η: the power-law examination curve Joachims et al. (2017) fit from swap experiments. */
export function powerLawPropensity(position: number, eta: number): number {
  return position ** -eta;
}
