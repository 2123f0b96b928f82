import { SUPPORTED_MODEL_TYPES } from '../model/config.ts';
import { HubConfigError, UnsupportedModelError } from './errors.ts';

/** A repo's config.json as JSON; bytes that are not JSON are the repo's configuration error. */
export function parseConfigJson(bytes: Uint8Array, repo: string, revision: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new HubConfigError(repo, revision, `not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads config.json and throws unless its `model_type` is one Attune can train, so that an
 * unsupported model is refused before its weights are downloaded.
 */
export function assertSupportedConfig(bytes: Uint8Array, repo: string, revision: string): void {
  const config = parseConfigJson(bytes, repo, revision);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new HubConfigError(repo, revision, 'expected a JSON object');
  }
  const modelType = (config as { model_type?: unknown }).model_type;
  if (typeof modelType !== 'string') {
    throw new HubConfigError(
      repo,
      revision,
      `no "model_type" string; Attune trains BERT-family models (model_type 'bert')`,
    );
  }
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new UnsupportedModelError(repo, revision, modelType, SUPPORTED_MODEL_TYPES);
  }
}
