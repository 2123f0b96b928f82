/**
 * The TREC text formats trec_eval reads (trec_eval's README and `get_qrels.c`,
 * `get_trec_results.c`): whitespace-separated fields, one line each.
 *
 *   qrels: `qid 0 docid grade`
 *   run:   `qid Q0 docid rank score tag`
 *
 * trec_eval re-sorts a run by score (ties: document id descending) and ignores the rank column;
 * the rank written here is the order Attune ranked in (equal scores by corpus position), which
 * is the order sentence-transformers' metrics read. A score is written as the shortest decimal
 * that parses back to the same double, so trec_eval, numpy and Attune all sort the same numbers.
 */
import type { ScoredDoc } from '../metrics.ts';
import type { Judgements } from '../trec.ts';

export class TrecFormatError extends Error {
  override name = 'TrecFormatError';
}

/** An id with whitespace would split into two fields; an empty one would vanish. */
function checkedId(id: string, what: string): string {
  if (id === '' || /\s/.test(id)) {
    throw new TrecFormatError(
      `${what} id ${JSON.stringify(id)} has whitespace or is empty: TREC files separate fields by whitespace, so it cannot be written; rename it in the data`,
    );
  }
  return id;
}

/** Every judgement, grade 0 included, queries and documents in the order given. */
export function qrelsText(judgements: Judgements): string {
  const lines: string[] = [];
  for (const [queryId, grades] of judgements) {
    checkedId(queryId, 'query');
    for (const [docId, grade] of grades)
      lines.push(`${queryId} 0 ${checkedId(docId, 'document')} ${grade}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A run tag: the characters a TREC tag may hold, from a model's label. */
export function runTag(label: string): string {
  return label.replace(/[^A-Za-z0-9._:@-]+/g, '_') || 'run';
}

/** One run: each query's ranking (best first, at most `depth` documents), queries in the order given. */
export function runText(
  rankings: ReadonlyMap<string, readonly ScoredDoc[]>,
  tag: string,
  depth = 100,
): string {
  const lines: string[] = [];
  for (const [queryId, hits] of rankings) {
    checkedId(queryId, 'query');
    hits.slice(0, depth).forEach((hit, i) => {
      lines.push(`${queryId} Q0 ${checkedId(hit.docId, 'document')} ${i + 1} ${hit.score} ${tag}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
