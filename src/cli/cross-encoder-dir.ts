import { join } from 'node:path';
import { CrossEncoder } from '../lib/model/cross-encoder.ts';
import { loadCrossEncoderModel } from '../lib/model/cross-encoder-folder.ts';
import { ModelFormatError } from '../lib/model/errors.ts';
import { CliError, EXIT } from './args.ts';
import { directorySource } from './fs-source.ts';

/** `--cross-encoder`, shared by score, mine, train and eval. */
export const CROSS_ENCODER_USAGE =
  '  --cross-encoder DIR     a BertForSequenceClassification folder (e.g. a cross-encoder/ms-marco model)';

/** A cross-encoder folder on disk; a fault names the file by its path, as the person typed it. */
export async function loadCrossEncoderDir(
  dir: string,
  options: { maxLength?: number } = {},
): Promise<CrossEncoder> {
  try {
    return new CrossEncoder(await loadCrossEncoderModel(directorySource(dir), options));
  } catch (e) {
    if (e instanceof ModelFormatError)
      throw new CliError(`${join(dir, e.file)}: ${e.detail}`, EXIT.input);
    throw e;
  }
}
