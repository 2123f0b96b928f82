import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScoredDoc } from '../../../src/lib/eval/metrics.ts';
import { evaluateTrec, TREC_MEASURES } from '../../../src/lib/eval/trec.ts';

/**
 * A random graded qrels file and run (tests/fixtures/trec/make-fixture.py says what they cover)
 * and the real trec_eval 10.0's per-query output for them (`-q`, printed to 4 decimals).
 */
const DIR = 'tests/fixtures/trec';
const lines = (file: string) =>
  readFileSync(`${DIR}/${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/));

function fixture() {
  const judgements = new Map<string, Map<string, number>>();
  for (const [qid, , docId, grade] of lines('qrels.txt')) {
    judgements.set(qid, (judgements.get(qid) ?? new Map()).set(docId, Number(grade)));
  }
  const rankings = new Map<string, ScoredDoc[]>();
  for (const [qid, , docId, , score] of lines('run.txt')) {
    rankings.set(qid, [...(rankings.get(qid) ?? []), { docId, score: Number(score) }]);
  }
  const printed = new Map<string, number>();
  for (const [measure, qid, value] of lines('trec_eval.txt')) {
    printed.set(`${measure} ${qid}`, Number(value));
  }
  return { judgements, rankings, printed };
}

describe('trec_eval 10.0 cross-check', () => {
  const { judgements, rankings, printed } = fixture();
  const result = evaluateTrec(rankings, judgements);

  it('scores the queries trec_eval scores: every judged one, not the unjudged run query', () => {
    expect(result.perQuery.size).toBe(40);
    expect(result.perQuery.has('q99')).toBe(false);
    expect(printed.has('ndcg_cut_10 q99')).toBe(false);
  });

  it('matches every per-query figure and every mean trec_eval prints, to its 4 decimals', () => {
    let checked = 0;
    for (const measure of TREC_MEASURES) {
      for (const [qid, { values }] of result.perQuery) {
        const want = printed.get(`${measure} ${qid}`)!;
        expect(Math.abs(values[measure] - want), `${measure} ${qid}`).toBeLessThanOrEqual(5e-5);
        checked++;
      }
      const mean = printed.get(`${measure} all`)!;
      expect(Math.abs(result.metrics[measure] - mean), `${measure} all`).toBeLessThanOrEqual(5e-5);
    }
    expect(checked).toBe(200);
  });

  it('keeps a query judged only with grade 0 at zero, as trec_eval prints it', () => {
    for (const measure of TREC_MEASURES) {
      expect(result.perQuery.get('q10')!.values[measure]).toBe(0);
      expect(printed.get(`${measure} q10`)).toBe(0);
    }
  });
});
