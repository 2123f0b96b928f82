import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { bertOnnx } from '../../../src/lib/export/onnx/bert-graph.ts';
import { bertForward, createParams, disposeParams } from '../../../src/lib/model/bert.ts';
import { loadSentenceModel, type SentenceModel } from '../../../src/lib/model/folder.ts';
import { TINY_BERT } from '../model/reference.ts';

let model: SentenceModel;
let fp32: Uint8Array;
let q8: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadSentenceModel(directorySource(TINY_BERT));
  fp32 = bertOnnx(model.config, model.weights, 'fp32');
  q8 = bertOnnx(model.config, model.weights, 'q8');
});

const int64 = (values: ArrayLike<number>, dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(Array.from(values), BigInt), dims);

/** The graph's last_hidden_state and the tfjs encoder's, for one padded batch of `texts`. */
async function bothForwards(bytes: Uint8Array, texts: string[]) {
  const batch = model.tokenizer.encodeBatch(texts, model.maxSeqLength, 'longest');
  const dims = [batch.batch, batch.length];
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({
    input_ids: int64(batch.inputIds, dims),
    attention_mask: int64(batch.attentionMask, dims),
    token_type_ids: int64(new Array(batch.batch * batch.length).fill(0), dims),
  });
  await session.release();
  const params = createParams(model.config, model.weights);
  const expected = tf.tidy(() =>
    bertForward(
      model.config,
      params,
      tf.tensor2d(batch.inputIds, dims as [number, number], 'int32'),
      tf.tensor2d(batch.attentionMask, dims as [number, number], 'int32'),
      { training: false },
    ),
  );
  const want = (await expected.data()) as Float32Array;
  expected.dispose();
  disposeParams(params);
  return {
    got: out.last_hidden_state,
    want,
    mask: batch.attentionMask,
    hidden: model.config.hidden_size,
  };
}

describe('ONNX encoder graph', () => {
  it('declares the inputs and output transformers.js and sentence-transformers call', async () => {
    const session = await ort.InferenceSession.create(fp32);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(session.outputNames).toEqual(['last_hidden_state']);
    await session.release();
  });

  it('gives BertModel’s token states for every attended token, at any batch and sequence length', async () => {
    for (const texts of [
      ['ok'],
      ['How do I reset my password?', 'database query is slow', 'login token expired again'],
    ]) {
      const { got, want, mask, hidden } = await bothForwards(fp32, texts);
      expect(got.dims).toEqual([texts.length, mask.length / texts.length, hidden]);
      const data = got.data as Float32Array;
      let diff = 0;
      for (let t = 0; t < mask.length; t++)
        if (mask[t])
          for (let h = 0; h < hidden; h++)
            diff = Math.max(diff, Math.abs(data[t * hidden + h] - want[t * hidden + h]));
      expect(diff).toBeLessThan(1e-5);
    }
  });

  it('adds the token-type row token_type_ids names (sentence pairs use row 1)', async () => {
    const batch = model.tokenizer.encodeBatch(
      ['login token expired'],
      model.maxSeqLength,
      'longest',
    );
    const dims = [batch.batch, batch.length];
    const run = async (bytes: Uint8Array, type: number) => {
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({
        input_ids: int64(batch.inputIds, dims),
        attention_mask: int64(batch.attentionMask, dims),
        token_type_ids: int64(new Array(batch.length).fill(type), dims),
      });
      await session.release();
      return Array.from(out.last_hidden_state.data as Float32Array);
    };
    // The same graph with type row 1 copied into row 0 gives, for type 0, what type 1 gives.
    const table = model.weights.get('embeddings.token_type_embeddings.weight')!;
    const H = model.config.hidden_size;
    const swapped = new Float32Array(table.data);
    swapped.set(table.data.subarray(H, 2 * H), 0);
    const weights = new Map(model.weights);
    weights.set('embeddings.token_type_embeddings.weight', { ...table, data: swapped });
    const typeOne = await run(fp32, 1);
    const viaRowZero = await run(bertOnnx(model.config, weights, 'fp32'), 0);
    expect(Math.max(...typeOne.map((v, i) => Math.abs(v - viaRowZero[i])))).toBeLessThan(1e-6);
    const typeZero = await run(fp32, 0);
    expect(Math.max(...typeOne.map((v, i) => Math.abs(v - typeZero[i])))).toBeGreaterThan(1e-3);
  });

  it('8-bit weights: under half the file, token states within 0.1 of float32', async () => {
    expect(q8.length).toBeLessThan(fp32.length / 2);
    const { got, want, mask, hidden } = await bothForwards(q8, ['database query is slow']);
    const data = got.data as Float32Array;
    let diff = 0;
    for (let t = 0; t < mask.length; t++)
      for (let h = 0; h < hidden; h++)
        diff = Math.max(diff, Math.abs(data[t * hidden + h] - want[t * hidden + h]));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.1);
  });
});
