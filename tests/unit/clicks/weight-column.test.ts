import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { scoresToWeights, withWeightColumn } from '../../../src/lib/clicks/weight-column.ts';
import { detectColumns } from '../../../src/lib/data/columns.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { mnrlLoss } from '../../../src/lib/train/losses/mnrl.ts';
import { runCli } from '../../support/cli.ts';
import { fixturePairs, reference, TINY_BERT } from '../model/reference.ts';

/** One step on the first 8 rows in file order, no dropout: the step-1 loss is the loss at the base weights. */
const ONE_STEP = ['--steps', '1', '--batch-size', '8', '--no-shuffle', '--dropout', '0'];
const WEIGHTS = [1, 2, 3, 4, 0.5, 10, 1, 2.5];

function weightedCsv(dir: string): string {
  const rows = fixturePairs();
  const path = join(dir, 'weighted.csv');
  const lines = rows.map(
    (r, i) => `${r.query},${r.positive},${r.negative},${WEIGHTS[i % WEIGHTS.length]}`,
  );
  writeFileSync(path, ['query,positive,negative,click_weight', ...lines].join('\n') + '\n');
  return path;
}

describe('train --weight-column', () => {
  it('trains on weighted MNRL: the first loss is Σ w_i ℓ_i / Σ w_i of the first batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-weights-'));
    const data = weightedCsv(dir);
    const report = join(dir, 'report.json');
    const r = runCli(
      'train',
      '--model',
      TINY_BERT,
      '--data',
      data,
      '--weight-column',
      'click_weight',
      '--out',
      join(dir, 'model'),
      '--report',
      report,
      ...ONE_STEP,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [loss] = JSON.parse(readFileSync(report, 'utf8')).losses as number[];

    // ℓ_i of each anchor of the first batch, from the real loss with weight 1 on anchor i alone.
    await tf.setBackend('cpu');
    const encoder = new SentenceEncoder(await loadSentenceModel(directorySource(TINY_BERT)));
    const rows = fixturePairs().slice(0, 8);
    const [anchors, ...candidates] = [
      rows.map((p) => p.query),
      rows.map((p) => p.positive),
      rows.map((p) => p.negative),
    ].map((texts) => encoder.embedBatch(encoder.tokenize(texts), { training: false }));
    const terms: number[] = [];
    for (let i = 0; i < 8; i++) {
      const only = tf.tensor1d(WEIGHTS.map((_, j) => (j === i ? 1 : 0)));
      const l = mnrlLoss(anchors, candidates, { scale: 20, weights: only });
      terms.push((await l.data())[0]);
      tf.dispose([l, only]);
    }
    tf.dispose([anchors, ...candidates]);
    encoder.dispose();
    const expected =
      WEIGHTS.reduce((s, w, i) => s + w * terms[i], 0) / WEIGHTS.reduce((a, b) => a + b);
    expect(Math.abs(loss - expected)).toBeLessThan(1e-5);
    // …and not the unweighted loss of the same batch.
    expect(Math.abs(loss - reference.first_batch.loss)).toBeGreaterThan(0.05);
  });

  it('refuses a column that is not there, naming the columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-weights-'));
    const r = runCli(
      'train',
      '--model',
      TINY_BERT,
      '--data',
      weightedCsv(dir),
      '--weight-column',
      'weight',
      '--out',
      join(dir, 'model'),
      ...ONE_STEP,
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'no column "weight" to read weights from; the columns are "query", "positive", "negative", "click_weight"',
    );
  });
});

describe('withWeightColumn and scoresToWeights', () => {
  const header = ['query', 'positive', 'score', 'w'];

  it('reads the named column as the score, ignoring a detected score column', () => {
    expect(withWeightColumn(detectColumns(header), 'w').roles).toEqual([
      'query',
      'positive',
      'ignore',
      'score',
    ]);
  });

  it('refuses a text column as weights', () => {
    expect(() => withWeightColumn(detectColumns(header), 'positive')).toThrow(
      'column "positive" is the positive column; weights need a column of their own',
    );
  });

  it('moves the score to the weight, and refuses a weight that is not above 0', () => {
    const pair = { query: 'q', positive: 'p', negatives: [] };
    expect(scoresToWeights([{ ...pair, score: 2.5 }], 'w')).toEqual([{ ...pair, weight: 2.5 }]);
    expect(() =>
      scoresToWeights(
        [
          { ...pair, score: 1 },
          { ...pair, score: 0 },
        ],
        'w',
      ),
    ).toThrow(
      'weight 0 in column "w" (pair 2, query "q") is not a positive number; weighted MNRL needs weights above 0',
    );
  });
});
