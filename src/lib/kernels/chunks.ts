/**
 * Splits `items` into runs of at most `limit` elements each by `size` (a larger single item
 * stands alone), so a kernel that writes new buffers for a whole run holds at most `limit` new
 * elements at once: MiniLM-L6 at the default 1 << 24 takes two runs, its 11.7M-entry word
 * embeddings and the rest.
 */
export function chunksOf<T>(items: T[], size: (item: T) => number, limit = 1 << 24): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let total = 0;
  for (const item of items) {
    const n = size(item);
    if (run.length && total + n > limit) {
      runs.push(run);
      run = [];
      total = 0;
    }
    run.push(item);
    total += n;
  }
  if (run.length) runs.push(run);
  return runs;
}
