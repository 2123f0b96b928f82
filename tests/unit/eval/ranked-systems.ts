import { evaluateRankings, type ScoredDoc } from '../../../src/lib/eval/metrics.ts';

/** Hits in the order given, scores 1, 0.99, 0.98, …. */
export const ranked = (...ids: string[]): ScoredDoc[] =>
  ids.map((docId, i) => ({ docId, score: 1 - i / 100 }));

/** 30 queries q0..q29, each with one relevant document r<i>. */
export const queryIds = Array.from({ length: 30 }, (_, i) => `q${i}`);
export const qrels = new Map(queryIds.map((id, i) => [id, new Set([`r${i}`])]));

/** The metrics of a system that puts each query's relevant document at rank `rankOf(i)` (1–5) among four fillers. */
export const system = (rankOf: (i: number) => number) =>
  evaluateRankings(
    new Map(
      queryIds.map((id, i) => {
        const ids = ['x1', 'x2', 'x3', 'x4'];
        ids.splice(rankOf(i) - 1, 0, `r${i}`);
        return [id, ranked(...ids)];
      }),
    ),
    qrels,
  );
