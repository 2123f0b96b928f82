import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { TINY_BERT } from '../model/reference.ts';

/** A copy of the tiny BERT folder with one fault made by `spoil`, and a texts file to embed. */
function spoiledFolder(spoil: (dir: string) => void): { model: string; texts: string } {
  const root = mkdtempSync(join(tmpdir(), 'attune-fault-'));
  const model = join(root, 'model');
  cpSync(TINY_BERT, model, { recursive: true });
  spoil(model);
  const texts = join(root, 'texts.txt');
  writeFileSync(texts, 'a hex bolt\n');
  return { model, texts };
}

/** The weights file with its 8-byte header length replaced. */
function withHeaderLength(dir: string, length: bigint): void {
  const path = join(dir, 'model.safetensors');
  const bytes = readFileSync(path);
  bytes.writeBigUInt64LE(length, 0);
  writeFileSync(path, bytes);
}

function editConfig(dir: string, change: (config: Record<string, unknown>) => void): void {
  const path = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8'));
  change(config);
  writeFileSync(path, JSON.stringify(config));
}

// The fixture's header is 3,968 bytes and its data 117,120 (121,096 in all).
const FAULTS: { fault: string; spoil: (dir: string) => void; file: string; says: string }[] = [
  {
    fault: 'truncated weights',
    spoil: (dir) => {
      const path = join(dir, 'model.safetensors');
      writeFileSync(path, readFileSync(path).subarray(0, 100_000));
    },
    file: 'model.safetensors',
    says: 'tensor "encoder.layer.1.intermediate.dense.bias" ends at byte 96128 of the data, which holds only 96024 bytes (truncated file or lying header)',
  },
  {
    fault: 'a header whose length lies',
    spoil: (dir) => withHeaderLength(dir, 200_000n),
    file: 'model.safetensors',
    says: 'header claims 200000 bytes but the file has 121088 after the length (truncated?)',
  },
  {
    fault: 'an unsupported dtype',
    spoil: (dir) => {
      // Same length, so the header stays valid: I32 is 4 bytes wide like F32.
      const path = join(dir, 'model.safetensors');
      const text = readFileSync(path).toString('latin1').replace('"F32"', '"I32"');
      writeFileSync(path, Buffer.from(text, 'latin1'));
    },
    file: 'model.safetensors',
    says: 'tensor "embeddings.LayerNorm.bias" has dtype I32; supported dtypes are F32, F16 and BF16',
  },
  {
    fault: 'no tokenizer',
    spoil: (dir) => rmSync(join(dir, 'tokenizer.json')),
    file: 'tokenizer.json',
    says: 'is missing from DIR; Attune needs the fast-tokenizer file',
  },
  {
    fault: 'an unsupported model type',
    spoil: (dir) => editConfig(dir, (c) => (c.model_type = 'roberta')),
    file: 'config.json',
    says: 'model_type "roberta" is not supported; Attune trains BERT-family models (model_type "bert")',
  },
  {
    fault: 'weights whose shapes disagree with config.json',
    spoil: (dir) => editConfig(dir, (c) => (c.intermediate_size = 48)),
    file: 'model.safetensors',
    says: 'tensor "encoder.layer.0.intermediate.dense.weight" has shape [64,32], config.json implies [48,32]',
  },
  {
    fault: 'no weights',
    spoil: (dir) => rmSync(join(dir, 'model.safetensors')),
    file: 'model.safetensors',
    says: 'is missing from DIR (only safetensors weights are read)',
  },
];

describe('cli embed on a faulty model folder', () => {
  it.each(FAULTS)('names the file and the problem for $fault, exit 2', ({ spoil, file, says }) => {
    const { model, texts } = spoiledFolder(spoil);
    const r = runCli('embed', '--model', model, '--texts', texts, '--out', join(model, 'e.json'));
    expect(r.stderr).toBe(`embed: ${join(model, file)}: ${says.replace('DIR', model)}\n`);
    expect(r.status).toBe(2);
  });
});
