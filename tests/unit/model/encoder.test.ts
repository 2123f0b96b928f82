import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { fixturePairs, reference, TINY_BERT } from './reference.ts';

let model: SentenceModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadSentenceModel(directorySource(TINY_BERT));
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('tokenizer', () => {
  it('gives the reference token ids for every fixture text and probe, truncation included', () => {
    for (const t of reference.tokenization) {
      expect(model.tokenizer.encode(t.text, model.maxSeqLength), t.text).toEqual(t.ids);
    }
    for (const p of reference.tokenizer_probes) {
      expect(model.tokenizer.encode(p.text, 512), p.text).toEqual(p.ids);
    }
    expect(reference.tokenization.some((t) => t.truncated)).toBe(true);
  });

  it('pads each column to its longest row exactly as the reference batch', () => {
    const rows = fixturePairs().slice(0, 8);
    for (const col of ['query', 'positive', 'negative'] as const) {
      const batch = model.tokenizer.encodeBatch(
        rows.map((r) => r[col]),
        model.maxSeqLength,
        'longest',
      );
      const ref = reference.first_batch.features[col];
      expect(Array.from(batch.inputIds)).toEqual(ref.input_ids.flat());
      expect(Array.from(batch.attentionMask)).toEqual(ref.attention_mask.flat());
    }
  });
});

describe('SentenceEncoder', () => {
  it('embeds the first batch within 1e-5 of sentence-transformers, with bucket padding', async () => {
    const encoder = new SentenceEncoder(model);
    const rows = fixturePairs().slice(0, 8);
    for (const col of ['query', 'positive', 'negative'] as const) {
      for (const pad of ['longest', 'bucket'] as const) {
        const emb = await encoder.embed(
          rows.map((r) => r[col]),
          { pad },
        );
        const diff = maxAbsDiff(
          emb.flatMap((e) => Array.from(e)),
          reference.first_batch.embeddings[col].flat(),
        );
        expect(diff, `${col}/${pad}`).toBeLessThan(1e-5);
      }
    }
    encoder.dispose();
  });

  it('leaves no tensor behind after embedding', async () => {
    const encoder = new SentenceEncoder(model);
    const before = tf.memory().numTensors;
    await encoder.embed(['a short text', 'another text about the server'], { batchSize: 1 });
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
  });
});
