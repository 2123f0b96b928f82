/**
 * `npx tsx bench/bge-base-folder.ts DIR [PAIRS]`: writes a bge-base-shaped sentence-transformers
 * folder with random weights to DIR (12 layers × 768, 12 heads, intermediate 3072, vocabulary
 * 30,522, 512 positions, CLS pooling, normalised; ~440 MB, so never committed) and DIR.pairs.csv,
 * PAIRS query/positive rows (default 256) of 128-token texts, for the real-size runs of the CLI.
 * The tokenizer is the tiny fixture's: its 280 WordPiece ids are valid rows of any vocabulary.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { directorySource } from '../src/cli/fs-source.ts';
import { sentenceTransformersFolder } from '../src/lib/export/folder.ts';
import { loadSentenceModel } from '../src/lib/model/folder.ts';
import { mulberry32 } from '../src/lib/util/random.ts';
import { syntheticModel, type ShapeSpec } from './models.ts';

export const BGE_BASE: ShapeSpec = {
  id: 'minilm',
  label: 'bge-base 12×768',
  batch: 32,
  tokens: 512,
  layers: 12,
  hidden: 768,
  heads: 12,
  intermediate: 3072,
  vocab: 30522,
};

const [dir, count = '256'] = process.argv.slice(2);
if (!dir) throw new Error('usage: bge-base-folder.ts DIR [PAIRS]');
const FIXTURE = new URL('../tests/fixtures/tiny-bert', import.meta.url).pathname;
const fixture = await loadSentenceModel(directorySource(FIXTURE));
const model = { ...syntheticModel(BGE_BASE, fixture), pooling: 'cls' as const, normalize: true };
for (const [path, bytes] of sentenceTransformersFolder(model, model.weights)) {
  if (path.endsWith('/')) await mkdir(join(dir, path), { recursive: true });
  else {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}

// Texts of exactly 128 tokens with [CLS] and [SEP], words drawn from the fixture's vocabulary.
const vocab = await readFile(join(FIXTURE, 'vocab.txt'), 'utf8');
const words = vocab.split('\n').filter((w) => /^[a-z]{3,}$/.test(w));
const random = mulberry32(7);
const text = (i: number) => {
  const picked = [`t${i}`];
  while (fixture.tokenizer.encode(picked.join(' '), 512).length < 128)
    picked.push(words[Math.floor(random() * words.length)]);
  return picked.join(' ');
};
const rows = ['query,positive'];
for (let i = 0; i < Number(count); i++) rows.push(`${text(2 * i)},${text(2 * i + 1)}`);
await writeFile(`${dir}.pairs.csv`, `${rows.join('\n')}\n`);
console.log(`wrote ${dir} and ${dir}.pairs.csv (${count} pairs of 128-token texts)`);
