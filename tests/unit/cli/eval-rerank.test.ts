import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { TINY_CROSS_ENCODER } from '../model/cross-encoder-reference.ts';
import { FIXTURES, TINY_BERT } from '../model/reference.ts';

interface Report {
  intervals: Record<string, { mean: number }>;
  rerank: { model: string; intervals: Record<string, { mean: number }> };
  rerankComparison: Record<string, { difference: { mean: number }; pValue: number }>;
}

function evalRerank(top: string): Report {
  const report = join(mkdtempSync(join(tmpdir(), 'attune-rerank-')), 'report.json');
  const r = runCli(
    'eval',
    ...['--model', TINY_BERT, '--beir', `${FIXTURES}beir`, '--report', report],
    ...['--rerank', TINY_CROSS_ENCODER, '--rerank-top', top, '--resamples', '200'],
    ...['--backend', 'cpu'],
  );
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`reranked by ${TINY_BERT} → ${TINY_CROSS_ENCODER} (top ${top})`);
  return JSON.parse(readFileSync(report, 'utf8'));
}

describe('cli eval --rerank', () => {
  it('reports the reranked system with intervals and paired tests against the bi-encoder', () => {
    const report = evalRerank('10');
    expect(Object.keys(report.rerankComparison)).toEqual(Object.keys(report.intervals));
    // Reranking the top 10 leaves recall@10 as it is: the same ten documents.
    const recall = report.rerankComparison['recall@10'];
    expect(recall.difference.mean).toBe(0);
    expect(recall.pValue).toBe(1);
    expect(report.rerank.intervals['ndcg@10'].mean).not.toBe(report.intervals['ndcg@10'].mean);
  }, 300_000);

  it('changes nothing when it reranks one document', () => {
    const report = evalRerank('1');
    for (const [key, c] of Object.entries(report.rerankComparison)) {
      expect(c.difference.mean, key).toBe(0);
      expect(report.rerank.intervals[key].mean, key).toBe(report.intervals[key].mean);
    }
  }, 300_000);
});
