/**
 * Holm's step-down adjustment of a family of m p-values (Holm, "A simple sequentially
 * rejective multiple test procedure", Scand. J. Statist. 1979). With the p-values sorted
 * ascending, p(1) ≤ … ≤ p(m):
 *
 *   p'(i) = max over j ≤ i of min(1, (m − j + 1) · p(j))
 *
 * Rejecting where p' < α keeps the family-wise error rate at α, with no assumption about how
 * the tests depend on each other (the metrics of one comparison share their queries).
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  // Ascending; equal p-values keep their order, which leaves the adjusted values unchanged.
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
