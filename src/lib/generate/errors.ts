/** A corpus or examples file that cannot be read, with the file, line and what was expected. */
export class GenerateInputError extends Error {
  override name = 'GenerateInputError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly detail: string,
  ) {
    super(`${file}${line === null ? '' : `, line ${line}`}: ${detail}`);
  }
}
