/**
 * What a reader weighs beside a p-value: how large a paired difference is, and on how many
 * queries it went each way. For per-query differences d_i = b_i − a_i:
 *
 *   d_z = mean(d) / sd(d),  sd with n − 1 (Cohen's d for paired samples, "d_z"; Lakens 2013)
 *
 * d_z is undefined (null) when every difference is the same (sd = 0) or there is one query.
 */
export interface PairedEffect {
  /** Cohen's d_z; null when sd(d) = 0 or n < 2. */
  effectSize: number | null;
  /** Queries where b scores higher than a, equal, lower. */
  wins: number;
  ties: number;
  losses: number;
}

export function pairedEffect(a: readonly number[], b: readonly number[]): PairedEffect {
  if (a.length !== b.length) {
    throw new RangeError(`${a.length} values against ${b.length}: they must pair up`);
  }
  const d = a.map((x, i) => b[i] - x);
  const n = d.length;
  let wins = 0;
  let losses = 0;
  for (const x of d) {
    if (x > 0) wins++;
    else if (x < 0) losses++;
  }
  let effectSize: number | null = null;
  // Equal differences have no spread: checked exactly, as a computed variance of them may be
  // rounding noise (1e-34) that would turn into a huge d_z.
  if (n >= 2 && d.some((x) => x !== d[0])) {
    const mean = d.reduce((s, x) => s + x, 0) / n;
    const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
    effectSize = mean / Math.sqrt(variance);
  }
  return { effectSize, wins, ties: n - wins - losses, losses };
}
