import { WeightColumnError } from '../lib/clicks/weight-column.ts';
import { BeirFormatError } from '../lib/data/beir.ts';
import { DatasetError } from '../lib/data/errors.ts';
import { BakeoffError } from '../lib/eval/bakeoff.ts';
import { ResamplingError } from '../lib/eval/bootstrap.ts';
import { NoRelevantQueriesError } from '../lib/eval/metrics.ts';
import { RetrievalTaskError } from '../lib/eval/retrieval.ts';
import { ZipError } from '../lib/export/zip.ts';
import { GenerateInputError } from '../lib/generate/errors.ts';
import { HubError } from '../lib/hub/errors.ts';
import { MiningInputError } from '../lib/mine/select.ts';
import { ModelFormatError } from '../lib/model/errors.ts';
import { NonFiniteLossError } from '../lib/train/trainer.ts';
import { SettingError } from '../lib/util/setting-error.ts';
import { CliError, EXIT } from './args.ts';

/**
 * The core's errors about what a person brought (a model folder, a dataset, a BEIR folder, the
 * Hub, a setting the data cannot satisfy). Each message already names the file and the fault.
 */
const DOMAIN_ERRORS = [
  BakeoffError,
  BeirFormatError,
  DatasetError,
  GenerateInputError,
  HubError,
  MiningInputError,
  ModelFormatError,
  NoRelevantQueriesError,
  NonFiniteLossError,
  ResamplingError,
  RetrievalTaskError,
  SettingError,
  WeightColumnError,
  ZipError,
];

/** What the CLI prints for an error and the status it exits with: one line unless it is a bug. */
export function describeFailure(command: string, e: unknown): { line: string; exitCode: number } {
  if (e instanceof CliError) return { line: `${command}: ${e.message}`, exitCode: e.exitCode };
  if (DOMAIN_ERRORS.some((type) => e instanceof type))
    return { line: `${command}: ${(e as Error).message}`, exitCode: EXIT.input };
  const error = e instanceof Error ? e : new Error(String(e));
  return {
    line: `${command}: internal error: ${error.stack ?? error.message}`,
    exitCode: EXIT.internal,
  };
}
