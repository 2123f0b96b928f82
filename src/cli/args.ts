import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Exit statuses: `input` for every mistake in what a person gives the command (a file that is
 * missing or malformed, a model folder, a dataset, a setting that cannot work with the data),
 * `usage` for the command line itself (an unknown flag, a bad flag value), `internal` for a bug.
 */
export const EXIT = { ok: 0, input: 2, usage: 64, internal: 70 } as const;

/** A failure the user can fix (bad flag, missing file): printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: an unknown or malformed flag is a CliError naming it. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new CliError(`missing --${flag}`);
  return value;
}

/** A whole-number flag of at least 1 (a batch size, a count), naming the flag and the text on failure. */
export function countFlag(value: string | undefined, flag: string, fallback: number): number {
  const n = numberFlag(value, flag, fallback);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--${flag} expects a whole number ≥ 1, got "${value}"`);
  return n;
}

/** Parses a numeric flag, naming the flag and the text on failure. */
export function numberFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`--${flag} expects a number, got "${value}"`);
  return n;
}
