import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.ts';
import { FIXTURES, TINY_BERT } from '../model/reference.ts';
import { cosine } from '../../support/vectors.ts';

/**
 * The ONNX export checked by its real consumer: transformers.js (the project's own copy, on
 * onnxruntime-node) loads `export --onnx`'s folder from disk and gives `embed`'s embeddings.
 */

const TEXTS = [
  'How do I reset my password?',
  'database query is slow',
  'login token expired after the upgrade to version 2',
  'ok',
];

let root: string;

/** The tiny fixture with CLS pooling and Normalize, as bge models are laid out. */
function clsNormalizeFixture(dir: string): void {
  cpSync(TINY_BERT, dir, { recursive: true });
  const pooling = JSON.parse(readFileSync(join(dir, '1_Pooling/config.json'), 'utf8'));
  writeFileSync(
    join(dir, '1_Pooling/config.json'),
    JSON.stringify({ ...pooling, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
  );
  const modules = JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8'));
  modules.push({
    idx: 2,
    name: '2',
    path: '2_Normalize',
    type: 'sentence_transformers.models.Normalize',
  });
  writeFileSync(join(dir, 'modules.json'), JSON.stringify(modules));
}

function cliOk(...args: string[]): void {
  const r = runCli(...args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

let outputs = 0;

function embedWithCli(model: string, ...extra: string[]): number[][] {
  const out = join(root, `embed-${outputs++}.json`);
  cliOk('embed', '--model', model, '--texts', join(root, 'texts.txt'), '--out', out, ...extra);
  return JSON.parse(readFileSync(out, 'utf8')).embeddings;
}

async function embedWithTransformersJs(
  name: string,
  dtype: 'fp32' | 'q8',
  pooling: 'mean' | 'cls',
  normalize: boolean,
): Promise<number[][]> {
  const extractor = await pipeline('feature-extraction', name, { dtype, device: 'cpu' });
  const output = await extractor(TEXTS, { pooling, normalize });
  const rows = output.tolist() as number[][];
  await extractor.dispose();
  return rows;
}

const maxAbsDiff = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'attune-export-'));
  writeFileSync(join(root, 'texts.txt'), TEXTS.join('\n'));
  clsNormalizeFixture(join(root, 'cls-source'));
  env.allowRemoteModels = false;
  env.localModelPath = `${root}/`;
});

describe.each([
  { kind: 'mean-pooled', source: () => TINY_BERT, pooling: 'mean', normalize: false },
  {
    kind: 'CLS + Normalize',
    source: () => join(root, 'cls-source'),
    pooling: 'cls',
    normalize: true,
  },
] as const)('cli export --onnx, $kind model', ({ kind, source, pooling, normalize }) => {
  const name = kind === 'mean-pooled' ? 'mean-export' : 'cls-export';
  let reference: number[][];

  beforeAll(() => {
    cliOk('export', '--model', source(), '--out', join(root, name), '--onnx');
    reference = embedWithCli(source());
  }, 120_000);

  it('transformers.js fp32 gives embed’s embeddings within 1e-4', async () => {
    const rows = await embedWithTransformersJs(name, 'fp32', pooling, normalize);
    expect(rows.length).toBe(TEXTS.length);
    expect(maxAbsDiff(rows, reference)).toBeLessThan(1e-4);
  });

  it('transformers.js q8 stays within cosine 0.98', async () => {
    const rows = await embedWithTransformersJs(name, 'q8', pooling, normalize);
    for (let i = 0; i < TEXTS.length; i++)
      expect(cosine(rows[i], reference[i])).toBeGreaterThan(0.98);
  });

  it('the exported folder itself embeds as the source did', () => {
    expect(maxAbsDiff(embedWithCli(join(root, name)), reference)).toBeLessThan(1e-6);
  });
});

describe('prompts on the command line', () => {
  let e5Like: string;

  beforeAll(() => {
    e5Like = join(root, 'e5-like');
    cliOk(
      'export',
      '--model',
      TINY_BERT,
      '--out',
      e5Like,
      '--set-prompt',
      'query=query: ',
      '--set-prompt',
      'passage=passage: ',
    );
  }, 60_000);

  it('export writes the prompts into config_sentence_transformers.json', () => {
    const config = JSON.parse(
      readFileSync(join(e5Like, 'config_sentence_transformers.json'), 'utf8'),
    );
    expect(config.prompts).toEqual({ query: 'query: ', passage: 'passage: ' });
    expect(config.default_prompt_name).toBeNull();
    expect(config.model_type).toBe('SentenceTransformer');
    expect(config.__version__.sentence_transformers).toBe('2.2.2');
  });

  it('embed --prompt-name query equals embedding "query: " + text', () => {
    const plain = embedWithCli(e5Like);
    const prompted = embedWithCli(e5Like, '--prompt-name', 'query');
    writeFileSync(join(root, 'prefixed.txt'), TEXTS.map((t) => `query: ${t}`).join('\n'));
    const out = join(root, 'prefixed.json');
    cliOk('embed', '--model', e5Like, '--texts', join(root, 'prefixed.txt'), '--out', out);
    const manual = JSON.parse(readFileSync(out, 'utf8')).embeddings;
    expect(maxAbsDiff(prompted, manual)).toBe(0);
    expect(maxAbsDiff(prompted, plain)).toBeGreaterThan(0.01);
  });

  it('train --onnx applies the prompts, records them in the folder and writes onnx/', () => {
    const out = join(root, 'trained');
    cliOk(
      'train',
      '--model',
      e5Like,
      '--data',
      `${FIXTURES}tiny-bert.pairs.csv`,
      '--out',
      out,
      '--steps',
      '2',
      '--batch-size',
      '8',
      '--document-prompt',
      'doc: ',
      '--onnx',
    );
    const config = JSON.parse(readFileSync(join(out, 'config_sentence_transformers.json'), 'utf8'));
    expect(config.prompts).toEqual({ query: 'query: ', passage: 'doc: ' });
    for (const file of ['onnx/model.onnx', 'onnx/model_quantized.onnx'])
      expect(readFileSync(join(out, file)).length).toBeGreaterThan(50_000);
  }, 120_000);

  it('an unknown prompt name is one line and exit 64', () => {
    const r = runCli(
      'embed',
      '--model',
      e5Like,
      '--texts',
      join(root, 'texts.txt'),
      '--out',
      join(root, 'x.json'),
      '--prompt-name',
      'document',
    );
    expect(r.status).toBe(64);
    expect(r.stderr.trim()).toBe(
      'embed: prompt "document" is not defined by the model; it has "query", "passage"',
    );
  });
});
