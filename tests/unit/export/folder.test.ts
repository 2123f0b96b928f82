import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { sentenceTransformersFolder } from '../../../src/lib/export/folder.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { memorySource } from '../../../src/lib/model/source.ts';
import { TINY_BERT } from '../model/reference.ts';
import { exportedFiles } from '../../support/export-files.ts';

let model: SentenceModel;
const texts = ['How do I reset my password?', 'database query is slow', 'login token expired'];

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadSentenceModel(directorySource(TINY_BERT));
});

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('sentence-transformers folder writer', () => {
  it('writes the exact file list and module configuration', () => {
    const files = sentenceTransformersFolder(model, model.weights, { readme: '# card\n' });
    expect([...files.keys()].sort()).toEqual(exportedFiles());
    expect(JSON.parse(text(files.get('modules.json')))).toEqual([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]);
    expect(JSON.parse(text(files.get('sentence_bert_config.json')))).toEqual({
      max_seq_length: 24,
      do_lower_case: false,
    });
    expect(JSON.parse(text(files.get('1_Pooling/config.json')))).toEqual({
      word_embedding_dimension: 32,
      pooling_mode_cls_token: false,
      pooling_mode_mean_tokens: true,
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
    });
  });

  it('round-trips through the loader: same embeddings, every tensor kept including the pooler', async () => {
    const base = new SentenceEncoder(model);
    const files = sentenceTransformersFolder(model, await base.exportWeights());
    const reloaded = await loadSentenceModel(memorySource('export', files));
    expect([...reloaded.weights.keys()].sort()).toEqual([...model.weights.keys()].sort());
    expect(reloaded.weights.has('pooler.dense.weight')).toBe(true);
    const again = new SentenceEncoder(reloaded);
    const [a, b] = [await base.embed(texts), await again.embed(texts)];
    a.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(b[i])));
    base.dispose();
    again.dispose();
  });

  it('float16 export halves the weights and stays within float16 rounding', async () => {
    const files = sentenceTransformersFolder(model, model.weights, { dtype: 'F16' });
    const f32 = sentenceTransformersFolder(model, model.weights);
    expect(files.get('model.safetensors')!.length).toBeLessThan(
      f32.get('model.safetensors')!.length * 0.55,
    );
    const reloaded = await loadSentenceModel(memorySource('f16', files));
    const w = reloaded.weights.get('encoder.layer.0.attention.self.query.weight')!.data;
    const ref = model.weights.get('encoder.layer.0.attention.self.query.weight')!.data;
    for (let i = 0; i < ref.length; i++)
      expect(Math.abs(w[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -11 + 1e-7);
  });

  it('marks a normalised model with a 2_Normalize module', () => {
    const files = sentenceTransformersFolder({ ...model, normalize: true }, model.weights);
    expect(files.has('2_Normalize/')).toBe(true);
    expect(JSON.parse(text(files.get('modules.json')))[2]).toEqual({
      idx: 2,
      name: '2',
      path: '2_Normalize',
      type: 'sentence_transformers.models.Normalize',
    });
  });
});
