/**
 * Labels for MarginMSE, as GPL makes them (Wang et al. 2022, "GPL"): a cross-encoder scores
 * (query, positive) and each (query, negative_j), and the row's label is the margin of its logits
 *
 *   label_j = CE(q, p) − CE(q, n_j)                                        [rows, negatives]
 *
 * which the bi-encoder then learns to reproduce with dot products (`losses/margin-mse.ts`).
 * A dataset may bring the margin itself instead: its score column, for one negative per row.
 */
import type { TrainingPair } from '../data/pairs.ts';
import type { PairPredictor, ScoringOptions } from '../model/cross-encoder.ts';
import type { TextPair } from '../model/pair-tokens.ts';
import { SettingError } from '../util/setting-error.ts';

/** What labelling needs of a cross-encoder: its logits. */
export type LogitScorer = PairPredictor<'logits'>;

/** The rows with `labels` set to the cross-encoder's logit margins, one per negative. */
export async function crossEncoderMargins(
  scorer: LogitScorer,
  rows: readonly TrainingPair[],
  options: ScoringOptions = {},
): Promise<TrainingPair[]> {
  if (scorer.labels !== 1)
    throw new SettingError(
      `the cross-encoder has ${scorer.labels} labels; MarginMSE needs one relevance logit per pair`,
    );
  const missing = rows.findIndex((r) => r.negatives.length === 0);
  if (missing >= 0)
    throw new SettingError(
      `row ${missing + 1} has no negative; MarginMSE labels (query, positive, negative) rows: mine negatives first`,
    );
  const pairs: TextPair[] = rows.flatMap((r) => [
    { query: r.query, document: r.positive },
    ...r.negatives.map((document) => ({ query: r.query, document })),
  ]);
  const { logits } = await scorer.predict(pairs, options);
  let at = 0;
  return rows.map((r) => {
    const positive = logits[at++][0];
    return { ...r, labels: r.negatives.map(() => positive - logits[at++][0]) };
  });
}

/** The rows with `labels` from the dataset's score column: the margin for its one negative. */
export function scoreColumnMargins(rows: readonly TrainingPair[]): TrainingPair[] {
  return rows.map((r, i) => {
    if (r.score === undefined || r.negatives.length !== 1)
      throw new SettingError(
        `row ${i + 1} needs a score and exactly one negative to be a MarginMSE label; give --cross-encoder to label rows with more negatives`,
      );
    return { ...r, labels: [r.score] };
  });
}

/**
 * MarginMSE's labels for `rows`: the teacher cross-encoder's margins when there is one, else the
 * dataset's score column. Labels are made from the texts as they are (prompts are the bi-encoder's).
 */
export async function teacherMargins(
  rows: readonly TrainingPair[],
  teacher: LogitScorer | null,
  options: ScoringOptions = {},
): Promise<TrainingPair[]> {
  return teacher ? crossEncoderMargins(teacher, rows, options) : scoreColumnMargins(rows);
}
