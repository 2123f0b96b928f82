import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint } from '../lib/train/checkpoint.ts';
import type { CheckpointStore } from '../lib/train/session.ts';
import type { TrainerState } from '../lib/train/trainer.ts';
import { CliError, EXIT } from './args.ts';
import { readInput, writeOutput } from './io.ts';

const CHECKPOINT_FILE = /^step-(\d+)\.safetensors$/;

/** The highest-step `step-N.safetensors` in `dir`; null when it holds none. */
async function latestIn(dir: string): Promise<string | null> {
  const steps = (await readdir(dir))
    .map((name) => CHECKPOINT_FILE.exec(name)?.[1])
    .filter((step) => step !== undefined)
    .map(Number);
  return steps.length ? join(dir, `step-${Math.max(...steps)}.safetensors`) : null;
}

async function decodeFile(file: string): Promise<TrainerState> {
  const bytes = await readInput(file);
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, EXIT.input);
  }
}

/** A checkpoint file, or the highest-step `step-N.safetensors` in a folder (`--resume`). */
export async function readCheckpoint(path: string): Promise<TrainerState> {
  let file = path;
  try {
    const latest = await latestIn(path);
    if (!latest) throw new CliError(`${path} holds no step-N.safetensors checkpoint`, EXIT.input);
    file = latest;
  } catch (e) {
    if (e instanceof CliError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR')
      throw new CliError(`cannot read ${path}: ${(e as Error).message}`, EXIT.input);
  }
  return decodeFile(file);
}

/**
 * The training session's checkpoints as files, `dir/step-N.safetensors`: what `--resume dir`
 * reads, and what a non-finite loss rolls back to.
 */
export function fileCheckpointStore(dir: string): CheckpointStore {
  return {
    save: (state) =>
      writeOutput(join(dir, `step-${state.step}.safetensors`), encodeCheckpoint(state)),
    load: async () => {
      const latest = await latestIn(dir).catch(() => null);
      return latest ? decodeFile(latest) : null;
    },
  };
}
