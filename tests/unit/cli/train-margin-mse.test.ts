import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { referenceFlags, trainTinyBert } from '../../support/train-cli.ts';
import { maxAbsDiff } from '../kernels/routes.ts';
import { crossReference, TINY_CROSS_ENCODER } from '../model/cross-encoder-reference.ts';
import { FIXTURES } from '../model/reference.ts';

const gpl = crossReference.gpl;
/** The reference's settings: one step on the GPL rows. */
const REFERENCE_FLAGS = [...referenceFlags(1, gpl.rows), '--backend', 'cpu'];

/** The fixture's first rows as a CSV file. */
function firstRows(): string {
  const dir = mkdtempSync(join(tmpdir(), 'attune-gpl-'));
  const path = join(dir, 'rows.csv');
  const lines = readFileSync(`${FIXTURES}tiny-bert.pairs.csv`, 'utf8').trim().split('\n');
  writeFileSync(path, lines.slice(0, gpl.rows + 1).join('\n') + '\n');
  return path;
}

describe('cli train --loss margin-mse --cross-encoder', () => {
  it('labels the rows with the cross-encoder and takes the reference MarginMSE step', async () => {
    const data = firstRows();
    const out = join(data, '..', 'model');
    const report = join(data, '..', 'report.json');
    const r = trainTinyBert(
      data,
      out,
      ...['--report', report, '--loss', 'margin-mse', '--cross-encoder', TINY_CROSS_ENCODER],
      ...REFERENCE_FLAGS,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`labelling ${gpl.rows} rows with the cross-encoder's margins`);
    const { losses } = JSON.parse(readFileSync(report, 'utf8'));
    expect(Math.abs(losses[0] - gpl.loss)).toBeLessThan(1e-5);
    const trained = await loadSentenceModel(directorySource(out));
    for (const [name, ref] of Object.entries(gpl.params_after_one_step)) {
      const tol = name.endsWith('attention.self.key.bias') ? 2e-3 : 1e-5;
      expect(maxAbsDiff(trained.weights.get(name)!.data, ref.values), name).toBeLessThan(tol);
    }
  }, 300_000);

  it('refuses --cross-encoder without --loss margin-mse, exit 64', () => {
    const data = firstRows();
    const r = trainTinyBert(data, join(data, '..', 'm'), '--cross-encoder', TINY_CROSS_ENCODER);
    expect(r.status).toBe(64);
    expect(r.stderr.trim()).toBe(
      'train: --cross-encoder labels rows for --loss margin-mse; add --loss margin-mse',
    );
  }, 120_000);

  it('refuses margin-mse rows without a score column, exit 2', () => {
    const data = firstRows();
    const r = trainTinyBert(data, join(data, '..', 'm'), '--loss', 'margin-mse', '--steps', '1');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'row 1 needs a score and exactly one negative to be a MarginMSE label',
    );
  }, 120_000);
});
