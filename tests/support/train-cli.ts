import type { SpawnSyncReturns } from 'node:child_process';
import { FIXTURES, TINY_BERT } from '../unit/model/reference.ts';
import { runCli } from './cli.ts';

/** The fixture pairs the reference run (tests/fixtures/tiny-bert.reference.json) trains on. */
export const REFERENCE_PAIRS = `${FIXTURES}tiny-bert.pairs.csv`;

/**
 * The reference runs' settings for `steps` steps of `batchSize` rows: fixed order, plain AdamW at
 * lr 1e-3 on every parameter (no decay exemptions, constant schedule, no clipping), no dropout.
 */
export const referenceFlags = (steps: number, batchSize: number): string[] => [
  ...['--no-shuffle', '--decay-all', '--schedule', 'constant', '--warmup-ratio', '0'],
  ...['--max-grad-norm', '0', '--lr', '1e-3', '--dropout', '0'],
  ...['--steps', String(steps), '--batch-size', String(batchSize)],
];

/** `train` of the tiny BERT fixture on `data`, writing `out`, with `extra` flags. */
export const trainTinyBert = (
  data: string,
  out: string,
  ...extra: string[]
): SpawnSyncReturns<string> =>
  runCli('train', '--model', TINY_BERT, '--data', data, '--out', out, ...extra);

/** The reference run (six steps of 8) with `extra` flags, writing `out` and its JSON report. */
export const trainReference = (
  out: string,
  report: string,
  ...extra: string[]
): SpawnSyncReturns<string> =>
  trainTinyBert(REFERENCE_PAIRS, out, '--report', report, ...extra, ...referenceFlags(6, 8));
