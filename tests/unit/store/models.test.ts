import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { relativeToFolder } from '../../../src/lib/model/folder-paths.ts';
import { safetensorsParameterCount } from '../../../src/lib/model/safetensors.ts';
import { describeLocalModel, uniqueName } from '../../../src/lib/store/models.ts';

const WEIGHTS = new Uint8Array(readFileSync('tests/fixtures/tiny-bert/model.safetensors'));

describe('local model records', () => {
  it('counts parameters from the safetensors header alone', () => {
    // 11,136 embedding + 2 × 8,544 layer + 1,056 pooler parameters (config.json of the tiny BERT).
    expect(safetensorsParameterCount(WEIGHTS)).toBe(29_280);
    expect(safetensorsParameterCount(WEIGHTS.subarray(0, 100))).toBe(null);
    expect(safetensorsParameterCount(new Uint8Array(4))).toBe(null);
  });

  it('describes a record by size and parameters without its bytes', () => {
    const config = new TextEncoder().encode('{}');
    expect(
      describeLocalModel({
        id: 'a',
        name: 'tiny',
        created: 5,
        files: { 'config.json': config, 'model.safetensors': WEIGHTS },
      }),
    ).toEqual({
      id: 'a',
      name: 'tiny',
      created: 5,
      bytes: 2 + 121_096,
      parameters: 29_280,
      role: 'base',
      labels: null,
    });
  });

  it('describes a reranker with the label count its config.json declares', () => {
    const config = readFileSync('tests/fixtures/tiny-cross-encoder/config.json');
    const entry = describeLocalModel({
      id: 'r',
      name: 'tiny-cross-encoder',
      created: 6,
      role: 'reranker',
      files: { 'config.json': new Uint8Array(config) },
    });
    // id2label {"0": "LABEL_0"}: one relevance logit.
    expect([entry.role, entry.labels, entry.parameters]).toEqual(['reranker', 1, null]);
  });

  it('numbers a name already taken', () => {
    expect(uniqueName('tiny', ['other'])).toBe('tiny');
    expect(uniqueName('tiny', ['tiny', 'tiny (2)'])).toBe('tiny (3)');
  });
});

describe('relativeToFolder', () => {
  const paths = (files: Iterable<readonly [string, number]>) =>
    relativeToFolder(files).files.keys();

  it('drops the folders every file shares, down to where the files are', () => {
    const folder = relativeToFolder([
      ['export/tiny-bert/config.json', 1],
      ['export/tiny-bert/1_Pooling/config.json', 2],
      ['export/tiny-bert/2_Normalize/', 3],
    ]);
    expect(folder.root).toBe('export/tiny-bert');
    expect([...folder.files]).toEqual([
      ['config.json', 1],
      ['1_Pooling/config.json', 2],
    ]);
  });

  it('keeps files at the top as they are, and stops at a folder holding a file', () => {
    expect(relativeToFolder([['config.json', 1]]).root).toBe('');
    expect([
      ...paths([
        ['1_Pooling/config.json', 1],
        ['config.json', 2],
      ]),
    ]).toEqual(['1_Pooling/config.json', 'config.json']);
  });

  it('leaves out archiver junk and reads Windows separators', () => {
    expect([
      ...paths([
        ['m\\config.json', 1],
        ['m/.DS_Store', 2],
        ['__MACOSX/m/._config.json', 3],
        ['m/vocab.txt', 4],
      ]),
    ]).toEqual(['config.json', 'vocab.txt']);
  });
});
