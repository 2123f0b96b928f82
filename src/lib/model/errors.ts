/** A model folder or file that cannot be used, with where and why, in words a person can act on. */
export class ModelFormatError extends Error {
  constructor(
    /** The file at fault, relative to the model folder ("model.safetensors", "config.json"). */
    readonly file: string,
    /** What is wrong with it, without the file name. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelFormatError';
  }
}

/** The folder holds a model Attune cannot train (another architecture). */
export class UnsupportedModelError extends ModelFormatError {
  constructor(file: string, detail: string) {
    super(file, detail);
    this.name = 'UnsupportedModelError';
  }
}
