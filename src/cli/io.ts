import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../lib/model/folder.ts';
import { CliError } from './args.ts';
import { directorySource } from './fs-source.ts';

/** A file's bytes, or a CliError (exit 66, "cannot open input") naming it. */
export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${path} not found`, 66);
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, 66);
  }
}

export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** Writes path → bytes under `dir`; a path ending in "/" is an empty directory. */
export async function writeFolder(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  for (const [path, bytes] of files) {
    if (path.endsWith('/')) await mkdir(join(dir, path), { recursive: true });
    else await writeOutput(join(dir, path), bytes);
  }
}

/** The CLI computes on TensorFlow.js's cpu backend in Node, the same kernels the unit tests check. */
export async function initBackend(): Promise<string> {
  await tf.setBackend('cpu');
  await tf.ready();
  // The cpu backend prints a tfjs-node advertisement on first use; the CLI's output is for results.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return tf.getBackend();
}

export async function loadModelDir(dir: string): Promise<SentenceModel> {
  return loadSentenceModel(directorySource(dir));
}

export async function loadEncoder(dir: string): Promise<SentenceEncoder> {
  return new SentenceEncoder(await loadModelDir(dir));
}
