/**
 * `eval --kit DIR`: the evaluation kit (src/lib/eval/kit/kit.ts) written as a folder, with the
 * BEIR folder's hash as the import in the tab computes it (corpus, queries, then qrels bytes),
 * so that the same data carries the same SHA-256 in a kit from either.
 */
import { join } from 'node:path';
import { readInput, writeFolder } from './io.ts';
import { Sha256 } from '../lib/data/sha256.ts';
import { evaluationKit, type KitInput } from '../lib/eval/kit/kit.ts';

export async function beirSha256(dir: string, split: string): Promise<string> {
  const hash = new Sha256();
  for (const file of ['corpus.jsonl', 'queries.jsonl', join('qrels', `${split}.tsv`)]) {
    hash.update(await readInput(join(dir, file)));
  }
  return hash.hex();
}

/** Writes every file of the kit under `dir`; returns the paths written. */
export async function writeKit(dir: string, input: KitInput): Promise<string[]> {
  const encoder = new TextEncoder();
  const files = evaluationKit(input);
  await writeFolder(dir, new Map([...files].map(([path, text]) => [path, encoder.encode(text)])));
  return [...files.keys()];
}
