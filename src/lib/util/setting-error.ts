/**
 * A setting that cannot work: a value out of range, or one the data cannot satisfy (a batch
 * larger than the distinct pairs). A RangeError, so callers that only know the built-in still
 * catch it; the CLI and the pages show its message as it is.
 */
export class SettingError extends RangeError {
  override name = 'SettingError';
}
