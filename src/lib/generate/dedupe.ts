/**
 * Duplicate and near-duplicate queries. Generators repeat themselves (the same query for two
 * similar documents, or twice for one); a repeated query is a contradictory training pair and
 * a wasted slot. Two queries are:
 *   - exact duplicates when their normalised forms are equal: Unicode NFKC, lower case,
 *     punctuation removed, whitespace collapsed ("What is X?" = "what is x");
 *   - near duplicates when the Jaccard overlap of their normalised token sets is ≥ 0.8:
 *     |A ∩ B| / |A ∪ B|, e.g. "reset router password" vs "reset the router password" = 3/4 = 0.75
 *     (kept), "how to reset router admin password" vs "how to reset router admin password now" =
 *     6/7 ≈ 0.86 (dropped). Word order does not matter.
 * The first occurrence wins; later ones are dropped. Real example queries come first, so a
 * generated copy of an evaluation query never leaks into training.
 */
export const NEAR_DUPLICATE_JACCARD = 0.8;

export function normaliseQuery(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** |A ∩ B| / |A ∪ B| of two token sets; two empty sets are identical (1). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const token of a) if (b.has(token)) shared++;
  return shared / (a.size + b.size - shared);
}

export type DuplicateVerdict = 'unique' | 'duplicate' | 'near-duplicate';

/**
 * Verdicts for `queries` in order, each compared with `reserved` (the real queries) and every
 * earlier unique query. Candidates for the Jaccard test come from an inverted token index, so
 * only queries that share a token are compared.
 */
export function findDuplicates(
  queries: readonly string[],
  reserved: readonly string[] = [],
  threshold = NEAR_DUPLICATE_JACCARD,
): DuplicateVerdict[] {
  const seen = new Set<string>();
  const kept: Set<string>[] = [];
  const byToken = new Map<string, number[]>();
  const remember = (normal: string, tokens: Set<string>) => {
    seen.add(normal);
    const id = kept.push(tokens) - 1;
    for (const t of tokens) {
      const list = byToken.get(t);
      if (list) list.push(id);
      else byToken.set(t, [id]);
    }
  };
  const tokensOf = (normal: string) => new Set(normal === '' ? [] : normal.split(' '));
  for (const r of reserved) {
    const normal = normaliseQuery(r);
    if (!seen.has(normal)) remember(normal, tokensOf(normal));
  }
  return queries.map((q) => {
    const normal = normaliseQuery(q);
    if (seen.has(normal)) return 'duplicate';
    const tokens = tokensOf(normal);
    const candidates = new Set<number>();
    for (const t of tokens) for (const id of byToken.get(t) ?? []) candidates.add(id);
    for (const id of candidates) {
      if (jaccard(tokens, kept[id]) >= threshold) return 'near-duplicate';
    }
    remember(normal, tokens);
    return 'unique';
  });
}
