import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { CrossEncoder } from '../../../src/lib/model/cross-encoder.ts';
import {
  loadCrossEncoderModel,
  type CrossEncoderModel,
} from '../../../src/lib/model/cross-encoder-folder.ts';
import { encodePairs, longestFirst } from '../../../src/lib/model/pair-tokens.ts';
import { BACKENDS, maxAbsDiff, useBackend } from '../kernels/routes.ts';
import { crossReference, TINY_CROSS_ENCODER } from './cross-encoder-reference.ts';
import { TINY_BERT } from './reference.ts';

let model: CrossEncoderModel;

beforeAll(async () => {
  await useBackend('cpu');
  model = await loadCrossEncoderModel(directorySource(TINY_CROSS_ENCODER));
});

describe('longestFirst', () => {
  it('cuts pairs as the tokenizers crate does (its own table, budget 7)', () => {
    // [n1, n2] → kept, from tokenizers/src/utils/truncation.rs `truncate_encodings_longest_first`
    const table: [number, number, number, number][] = [
      [0, 8, 0, 7],
      [2, 2, 2, 2],
      [2, 8, 2, 5], // the shorter stays whole, the longer takes the rest
      [4, 4, 3, 4], // both cut: 7 = 3 + 4, the odd token to the second on a tie
      [4, 8, 3, 4],
      [8, 2, 5, 2],
      [8, 4, 4, 3], // the first is longer: it gets the odd token
      [8, 8, 3, 4],
    ];
    for (const [n1, n2, k1, k2] of table)
      expect(longestFirst(n1, n2, 7), `${n1},${n2}`).toEqual([k1, k2]);
  });
});

describe('pair tokenization', () => {
  it('gives the reference ids and token types, long pairs cut longest_first', () => {
    for (const run of crossReference.runs) {
      const batch = encodePairs(model.tokenizer, run.pairs, run.max_length, 'longest');
      const rows = run.input_ids;
      const L = Math.max(...rows.map((r) => r.length));
      expect(batch.length).toBe(L);
      rows.forEach((ids, i) => {
        const at = (a: Int32Array) => Array.from(a.subarray(i * L, i * L + ids.length));
        expect(at(batch.inputIds), `${run.max_length}: pair ${i}`).toEqual(ids);
        expect(at(batch.tokenTypeIds)).toEqual(run.token_type_ids[i]);
        expect(at(batch.attentionMask)).toEqual(ids.map(() => 1));
      });
      expect(rows.some((r) => r.length === run.max_length)).toBe(true);
    }
  });
});

describe('CrossEncoder', () => {
  it('reads the folder: one label, sigmoid, max_length from tokenizer_config', () => {
    expect(model.labels).toBe(1);
    expect(model.activation).toBe('sigmoid');
    expect(model.maxLength).toBe(64);
  });

  for (const backend of BACKENDS) {
    it(`predicts the reference logits and scores within 1e-5 on ${backend}`, async () => {
      await useBackend(backend);
      for (const run of crossReference.runs) {
        const ce = new CrossEncoder({ ...model, maxLength: run.max_length });
        const before = tf.memory().numTensors;
        const out = await ce.predict(run.pairs, { batchSize: 5 });
        expect(tf.memory().numTensors).toBe(before);
        ce.dispose();
        expect(
          maxAbsDiff(
            out.logits.map((l) => l[0]),
            run.logits,
          ),
        ).toBeLessThan(1e-5);
        expect(
          maxAbsDiff(
            out.scores.map((s) => s[0]),
            run.scores,
          ),
        ).toBeLessThan(1e-5);
      }
      await useBackend('cpu');
    });
  }
});

/** A copy of the fixture with config.json changed by `edit`. */
function withConfig(edit: (c: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'attune-ce-'));
  cpSync(TINY_CROSS_ENCODER, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('cross-encoder folders', () => {
  it('returns logits as scores when config.json names Identity', async () => {
    const dir = withConfig(
      (c) => (c.sbert_ce_default_activation_function = 'torch.nn.modules.linear.Identity'),
    );
    const m = await loadCrossEncoderModel(directorySource(dir));
    expect(m.activation).toBe('identity');
    const ce = new CrossEncoder(m);
    const out = await ce.predict(crossReference.runs[0].pairs.slice(0, 2));
    ce.dispose();
    expect(Array.from(out.scores[0])).toEqual(Array.from(out.logits[0]));
  });

  it('refuses a bi-encoder folder by its architecture', async () => {
    await expect(loadCrossEncoderModel(directorySource(TINY_BERT))).rejects.toThrow(
      'config.json: architectures ["BertModel"] is not a cross-encoder; a reranker is a BertForSequenceClassification',
    );
  });

  it('refuses a head that does not match id2label', async () => {
    const dir = withConfig((c) => (c.id2label = { 0: 'no', 1: 'yes' }));
    await expect(loadCrossEncoderModel(directorySource(dir))).rejects.toThrow(
      'model.safetensors: tensor "classifier.weight" has shape [1,32], config.json implies [2,32]',
    );
  });

  it('refuses an activation it does not apply', async () => {
    const dir = withConfig(
      (c) => (c.sentence_transformers = { activation_fn: 'torch.nn.modules.activation.Tanh' }),
    );
    await expect(loadCrossEncoderModel(directorySource(dir))).rejects.toThrow(
      'activation "torch.nn.modules.activation.Tanh" is not supported',
    );
  });
});
