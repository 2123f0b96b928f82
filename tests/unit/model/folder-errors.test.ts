import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedModelError } from '../../../src/lib/model/errors.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { readSafetensors, writeSafetensors } from '../../../src/lib/model/safetensors.ts';
import { memorySource } from '../../../src/lib/model/source.ts';
import { TINY_BERT } from './reference.ts';

function tinyFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files.set(`${prefix}${name}`, new Uint8Array(readFileSync(path)));
    }
  };
  walk(TINY_BERT, '');
  return files;
}

/** A safetensors file from a header object and a data length. */
function withHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

async function loadWith(change: (files: Map<string, Uint8Array>) => void) {
  const files = tinyFiles();
  change(files);
  return loadSentenceModel(memorySource('tiny', files));
}

describe('safetensors reader', () => {
  it('reads F32, F16 and BF16 into float32', () => {
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555]); // 1, -2, 0.333251953125
    const bf16 = new Uint16Array([0x3f80, 0xc040]); // 1, -3
    const header = {
      a: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
    };
    const bytes = withHeader(header, 10);
    const data = bytes.subarray(bytes.length - 10);
    data.set(new Uint8Array(f16.buffer), 0);
    data.set(new Uint8Array(bf16.buffer), 6);
    const t = readSafetensors(bytes);
    expect(Array.from(t.get('a')!.data)).toEqual([1, -2, 0.333251953125]);
    expect(Array.from(t.get('b')!.data)).toEqual([1, -3]);
  });

  it('round-trips what it writes', () => {
    const tensors = new Map([['w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4.5]) }]]);
    expect(readSafetensors(writeSafetensors(tensors)).get('w')).toEqual(tensors.get('w'));
  });

  it.each([
    ['a file shorter than the length prefix', new Uint8Array(5), /too short to hold a header/],
    ['a header larger than the file', withHeader({}, 0).subarray(0, 9), /truncated\?/],
    [
      'a header that is not JSON',
      (() => {
        const b = withHeader({}, 0);
        b[8] = 0x7b;
        b[9] = 0x7b;
        return b;
      })(),
      /not valid JSON/,
    ],
    [
      'an unknown dtype',
      withHeader({ w: { dtype: 'I8', shape: [2], data_offsets: [0, 2] } }, 2),
      /dtype I8; supported dtypes are F32, F16 and BF16/,
    ],
    [
      'a shape that disagrees with the byte length',
      withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      /shape \[3\] × F32 = 12 bytes, but its offsets span 8/,
    ],
    [
      'offsets past the end of the data',
      withHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8),
      /ends at byte 16 of the data, which holds only 8 bytes/,
    ],
    [
      'overlapping tensors',
      withHeader(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        12,
      ),
      /"a" and "b" overlap/,
    ],
  ])('refuses %s with its own message', (_, bytes, message) => {
    expect(() => readSafetensors(bytes)).toThrow(ModelFormatError);
    expect(() => readSafetensors(bytes)).toThrow(message);
  });
});

describe('model folder loader', () => {
  it('refuses a truncated model.safetensors', async () => {
    await expect(
      loadWith((f) => f.set('model.safetensors', f.get('model.safetensors')!.subarray(0, 60_000))),
    ).rejects.toThrow(
      /model\.safetensors: tensor ".+" ends at byte \d+ of the data, which holds only \d+ bytes/,
    );
  });

  it('refuses a header lying about offsets', async () => {
    await expect(
      loadWith((f) => {
        const bytes = f.get('model.safetensors')!.slice();
        const text = new TextDecoder().decode(bytes.subarray(8, 200));
        const fake = text.replace('"data_offsets":[0,128]', '"data_offsets":[0,256]');
        bytes.set(new TextEncoder().encode(fake), 8);
        f.set('model.safetensors', bytes);
      }),
    ).rejects.toThrow(
      /embeddings\.LayerNorm\.bias" has shape \[32\] × F32 = 128 bytes, but its offsets span 256/,
    );
  });

  it('refuses a missing tokenizer', async () => {
    await expect(loadWith((f) => f.delete('tokenizer.json'))).rejects.toThrow(
      'tokenizer.json: is missing from tiny; Attune needs the fast-tokenizer file',
    );
  });

  it('refuses an XLM-R config by name before reading weights', async () => {
    const files = new Map([
      ['config.json', new TextEncoder().encode('{"model_type": "xlm-roberta"}')],
    ]);
    const reads: string[] = [];
    const source = {
      name: 'xlmr',
      read: async (p: string) => (reads.push(p), files.get(p) ?? null),
    };
    await expect(loadSentenceModel(source)).rejects.toThrow(UnsupportedModelError);
    await expect(loadSentenceModel(source)).rejects.toThrow(
      'config.json: model_type "xlm-roberta" is not supported; Attune trains BERT-family models (model_type "bert")',
    );
    expect(reads).not.toContain('model.safetensors');
  });

  it('refuses a weight whose shape disagrees with config.json', async () => {
    await expect(
      loadWith((f) => {
        const cfg = JSON.parse(new TextDecoder().decode(f.get('config.json')));
        f.set(
          'config.json',
          new TextEncoder().encode(JSON.stringify({ ...cfg, intermediate_size: 48 })),
        );
      }),
    ).rejects.toThrow(
      'tensor "encoder.layer.0.intermediate.dense.weight" has shape [64,32], config.json implies [48,32]',
    );
  });

  it('falls back like sentence-transformers without modules.json: mean pooling, no normalize', async () => {
    const model = await loadWith((f) => {
      f.delete('modules.json');
      f.delete('1_Pooling/config.json');
      f.delete('sentence_bert_config.json');
    });
    expect(model.pooling).toBe('mean');
    expect(model.normalize).toBe(false);
    // min(max_position_embeddings 64, tokenizer model_max_length 64)
    expect(model.maxSeqLength).toBe(64);
  });

  it('reads CLS pooling and Normalize from the module files', async () => {
    const model = await loadWith((f) => {
      const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
      f.set('1_Pooling/config.json', enc({ pooling_mode_cls_token: true }));
      const modules = JSON.parse(new TextDecoder().decode(f.get('modules.json')));
      modules.push({
        idx: 2,
        name: '2',
        path: '2_Normalize',
        type: 'sentence_transformers.models.Normalize',
      });
      f.set('modules.json', enc(modules));
    });
    expect(model.pooling).toBe('cls');
    expect(model.normalize).toBe(true);
  });

  it('accepts weights saved with a bert. prefix', async () => {
    const model = await loadWith((f) => {
      const prefixed = new Map(
        [...readSafetensors(f.get('model.safetensors')!)].map(([k, v]) => [`bert.${k}`, v]),
      );
      f.set('model.safetensors', writeSafetensors(prefixed));
    });
    expect(model.weights.has('embeddings.word_embeddings.weight')).toBe(true);
  });
});
