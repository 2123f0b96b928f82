import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainReference } from '../../support/train-cli.ts';
import { describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { embedWithCli } from '../../support/cli.ts';
import { fixturePairs, reference, TINY_BERT } from '../model/reference.ts';

/**
 * The CLI on WebGPU through Dawn (SwiftShader on a machine without a GPU): the reference run and
 * the reference embeddings, within 10× the cpu backend's tolerances.
 */
describe('cli on --backend webgpu', () => {
  it('trains the reference run: six losses and every parameter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-webgpu-'));
    const out = join(dir, 'model');
    const report = join(dir, 'report.json');
    const r = trainReference(out, report, '--backend', 'webgpu');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.backend).toBe('webgpu');
    expect(json.losses).toHaveLength(6);
    json.losses.forEach((l: number, i: number) =>
      expect(Math.abs(l - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-4),
    );
    const trained = await loadSentenceModel(directorySource(out));
    for (const [name, ref] of Object.entries(reference.final_params)) {
      const got = trained.weights.get(name)!.data;
      const want = (ref.values as number[] | number[][]).flat() as number[];
      let diff = 0;
      for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
      // The key bias's true gradient is 0: Adam amplifies float noise there (cpu allows 1e-3).
      expect(diff, name).toBeLessThan(name.endsWith('attention.self.key.bias') ? 1e-2 : 3e-4);
    }
    // SwiftShader compiles every pipeline on the CPU before the first step.
  }, 600_000);

  it('embeds as the reference does', () => {
    const rows = fixturePairs();
    const texts = reference.first_batch.rows.map((i) => rows[i].query);
    const { run, embeddings } = embedWithCli(TINY_BERT, texts, '--backend', 'webgpu');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const want = reference.first_batch.embeddings.query;
    expect(embeddings).toHaveLength(want.length);
    want.forEach((row, i) =>
      row.forEach((v, j) => expect(Math.abs(embeddings![i][j] - v)).toBeLessThan(1e-4)),
    );
  }, 300_000);
});
