import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import { startBackend } from '../lib/env/start-backend.ts';
import { probeBackends } from '../lib/env/probe.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { ModelFormatError } from '../lib/model/errors.ts';
import { loadSentenceModel, type SentenceModel } from '../lib/model/folder.ts';
import {
  scoresToWeights,
  WeightColumnError,
  withWeightColumn,
} from '../lib/clicks/weight-column.ts';
import { parseDataset } from '../lib/data/parser.ts';
import type { TrainingPair } from '../lib/data/pairs.ts';
import { sniffDataset } from '../lib/data/sniff.ts';
import { CliError, EXIT } from './args.ts';
import { directorySource } from './fs-source.ts';
import { adapterIsSoftware, installNodeWebGPU } from './node-webgpu.ts';
import { MAX_WASM_THREADS } from '../lib/env/wasm-threads.ts';
import { startWasm } from './wasm-threads.ts';

/** A file's bytes, or a CliError (exit 2) naming it. */
export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${path} not found`, EXIT.input);
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`, EXIT.input);
  }
}

/**
 * The pairs of a dataset file (CSV, TSV, JSON Lines), as the studio's import reads them; rejected
 * rows are counted on stderr. `weightColumn` names a column of per-pair weights.
 */
export async function readPairsFile(path: string, weightColumn?: string): Promise<TrainingPair[]> {
  const bytes = await readInput(path);
  const fileName = basename(path);
  try {
    // The weight column is read as the parser's numeric score column, then moved to `weight`.
    const mapping =
      weightColumn === undefined
        ? undefined
        : withWeightColumn(
            sniffDataset(bytes, { fileName, wholeFile: true }).mapping,
            weightColumn,
          );
    const { pairs, report } = parseDataset(bytes, { fileName, mapping });
    if (report.rejected.length)
      console.warn(
        `${path}: ${report.rejected.length} rows rejected (run \`validate\` for the list)`,
      );
    return weightColumn === undefined ? pairs : scoresToWeights(pairs, weightColumn);
  } catch (e) {
    if (e instanceof WeightColumnError) throw new CliError(`${path}: ${e.message}`, EXIT.input);
    throw e;
  }
}

/** A text file, as UTF-8; a missing or unreadable file is a CliError (exit 2) naming it. */
export async function readText(path: string): Promise<string> {
  return new TextDecoder().decode(await readInput(path));
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

/** `--backend` and `--threads`, shared by every command that computes with the model. */
export const BACKEND_FLAG = { backend: { type: 'string' }, threads: { type: 'string' } } as const;
export const BACKEND_USAGE = `  --backend wasm         wasm (default), webgpu, cpu, or auto (measure each, keep the fastest)
  --threads N            threads for wasm's matrix products (default: every core, ${os.availableParallelism()} here; at most ${MAX_WASM_THREADS})`;

/** `--threads`: every core unless the person names a count. */
function threadCount(flag: string | undefined): number {
  if (flag === undefined) return os.availableParallelism();
  const n = Number(flag);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--threads expects a whole number of threads ≥ 1, got "${flag}"`);
  return n;
}

const NODE_BACKENDS = ['wasm', 'webgpu', 'cpu'] as const;

/**
 * Starts the backend `--backend` names. The default is wasm: on a machine without a GPU it trains
 * every shape `npm run bench` measures 1.6–1.9× faster than cpu; where it cannot start, cpu takes
 * over. `webgpu` computes on the GPU through Dawn (`node-webgpu.ts`), on SwiftShader where the
 * machine has no GPU driver. `auto` measures the studio's probe step on each backend that starts
 * (WebGPU only on a real GPU: software WebGPU is never the fastest) and keeps the fastest. Every
 * backend computes the same numbers within float32 rounding (the parity tests). wasm runs its
 * matrix products (XNNPACK) on `--threads` threads, every core by default (`wasm-threads.ts`).
 */
export async function initBackend(flag?: string, threadsFlag?: string): Promise<string> {
  const threads = threadCount(threadsFlag);
  // The wasm build (threaded or not) is chosen when the backend first starts: before the probe.
  if (flag === undefined || flag === 'auto' || flag === 'wasm') await startWasm(threads);
  if (flag === undefined) {
    if (await startBackend('wasm')) return 'wasm';
    console.warn('the wasm backend cannot start here; computing on cpu');
    flag = 'cpu';
  }
  if (flag === 'auto') {
    const candidates: string[] = ['cpu', 'wasm'];
    if ((await installNodeWebGPU()) && !(await adapterIsSoftware())) candidates.push('webgpu');
    return (await probeBackends(candidates, startBackend)).backend;
  }
  const name = NODE_BACKENDS.find((b) => b === flag);
  if (!name) throw new CliError(`--backend expects wasm, webgpu, cpu or auto, got "${flag}"`);
  if (name === 'webgpu') {
    let reason = 'no WebGPU adapter';
    if (!(await installNodeWebGPU((why) => (reason = why))))
      throw new CliError(`the webgpu backend cannot start here: ${reason}`, EXIT.input);
  }
  if (!(await startBackend(name)))
    throw new CliError(`the ${name} backend cannot start here`, EXIT.internal);
  return name;
}

/** A model folder on disk; a fault names the file by its path, as the person typed the folder. */
export async function loadModelDir(dir: string): Promise<SentenceModel> {
  try {
    return await loadSentenceModel(directorySource(dir));
  } catch (e) {
    if (e instanceof ModelFormatError)
      throw new CliError(`${join(dir, e.file)}: ${e.detail}`, EXIT.input);
    throw e;
  }
}

export async function loadEncoder(dir: string): Promise<SentenceEncoder> {
  return new SentenceEncoder(await loadModelDir(dir));
}
