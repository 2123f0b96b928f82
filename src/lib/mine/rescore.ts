/**
 * The cross-encoder's half of mining (`mine_hard_negatives(…, cross_encoder=…)`, RocketQA's
 * denoised hard negatives): the bi-encoder's top `window` candidates of each query and the
 * query's positives are scored again, pair by pair, by a cross-encoder, whose scores (what
 * `CrossEncoder.predict` returns: the sigmoid of a one-label model's logit) then decide the
 * margins, max/min score and the order of sampling. As in sentence-transformers, rescoring only
 * happens when a filter is set: without one the cross-encoder's scores would change nothing that
 * the reference lets them change.
 */
import type { Neighbor } from '../eval/topk.ts';
import type { PairPredictor, ScoringOptions } from '../model/cross-encoder.ts';
import type { TextPair } from '../model/pair-tokens.ts';
import type { MiningPlan } from './options.ts';
import { MiningInputError, type MiningInput } from './select.ts';

/** What rescoring needs of a cross-encoder: its scores. */
export type PairScorer = PairPredictor<'scores'>;

/** Why a reranker chosen for mining without a filter is refused (the studio's words). */
export const RERANKER_NEEDS_A_FILTER =
  'A reranker only changes mining through a filter: set a relative or absolute margin, a max score or a min score, or mine without a reranker (sentence-transformers leaves the cross-encoder unused too).';

/** Whether the reference would rescore under `plan`: a margin, `max_score` or `min_score` is set. */
export function rescores(plan: MiningPlan): boolean {
  return (
    plan.relativeMargin !== null ||
    plan.absoluteMargin !== null ||
    plan.maxScore !== null ||
    plan.minScore !== null
  );
}

/**
 * The candidates selection will look at: the ranking's entries up to its `window`-th distinct
 * text (a repeated text is scored once, and its repeats get the same score).
 */
function windowOf(input: MiningInput, q: number, window: number): Neighbor[] {
  const seen = new Set<string>();
  const out: Neighbor[] = [];
  for (const n of input.rankings[q]) {
    const text = input.corpus[n.index];
    if (!seen.has(text)) {
      if (seen.size === window) break;
      seen.add(text);
    }
    out.push(n);
  }
  return out;
}

/**
 * `input` with each ranking cut to the window and every candidate and positive carrying the
 * cross-encoder's score, the bi-encoder's kept in `firstStage`. `queries[q]` is query q's text.
 */
export async function rescoreForMining(
  scorer: PairScorer,
  input: MiningInput,
  queries: readonly string[],
  window: number,
  options: ScoringOptions = {},
): Promise<MiningInput> {
  if (scorer.labels !== 1)
    throw new MiningInputError(
      `the cross-encoder has ${scorer.labels} labels; mining needs one relevance score per pair (one label)`,
    );
  if (queries.length !== input.rankings.length)
    throw new MiningInputError(
      `${queries.length} queries but ${input.rankings.length} rankings to rescore`,
    );
  const windows = input.rankings.map((_, q) => windowOf(input, q, window));
  // Each (query, text) pair once: the window's distinct texts and the positives.
  const pairs: TextPair[] = [];
  const slot = new Map<string, number>();
  const slotOf = (q: number, index: number) => {
    const document = input.corpus[index];
    const key = `${q}\u0000${document}`;
    let at = slot.get(key);
    if (at === undefined) slot.set(key, (at = pairs.push({ query: queries[q], document }) - 1));
    return at;
  };
  const rankingSlots = windows.map((w, q) => w.map((n) => slotOf(q, n.index)));
  const positiveSlots = input.positives.map((ps, q) => ps.map((p) => slotOf(q, p.index)));
  const { scores } = await scorer.predict(pairs, options);
  const rescored = (slots: number[], firstStage: readonly Neighbor[]): Neighbor[] =>
    slots.map((at, i) => ({ index: firstStage[i].index, score: scores[at][0] }));
  return {
    corpus: input.corpus,
    rankings: rankingSlots.map((slots, q) => rescored(slots, windows[q])),
    positives: positiveSlots.map((slots, q) => rescored(slots, input.positives[q])),
    firstStage: {
      rankings: windows.map((w) => w.map((n) => n.score)),
      positives: input.positives.map((ps) => ps.map((p) => p.score)),
    },
  };
}
