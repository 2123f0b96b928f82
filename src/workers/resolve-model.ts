import { cacheStorageModelCache } from '../lib/hub/cache.ts';
import { CROSS_ENCODER_FILES } from '../lib/hub/files.ts';
import { loadHubModel, type LoadHubModelOptions } from '../lib/hub/load.ts';
import { CrossEncoder } from '../lib/model/cross-encoder.ts';
import { loadCrossEncoderModel } from '../lib/model/cross-encoder-folder.ts';
import { loadSentenceModel, type SentenceModel } from '../lib/model/folder.ts';
import { effectivePrompts } from '../lib/model/known-prompts.ts';
import { memorySource, type ModelSource } from '../lib/model/source.ts';
import type { Db } from '../lib/store/db.ts';
import type { ModelRef } from '../lib/store/schema.ts';

/**
 * A run's base model: a Hub model (from Cache Storage when the Model page fetched it, else
 * downloaded, reporting to `hub.onProgress` and stopped by `hub.signal`) or a stored local one,
 * with the prompts it is used with (the person's, its own, or its authors': `effectivePrompts`).
 */
export async function resolveModel(
  db: Db,
  ref: ModelRef,
  hub: Pick<LoadHubModelOptions, 'onProgress' | 'signal' | 'partials'> = {},
): Promise<SentenceModel> {
  const model = await loadModel(db, ref, hub);
  const repo = ref.kind === 'hub' ? ref.repo : undefined;
  return { ...model, prompts: effectivePrompts(model.prompts, repo, ref.prompts).prompts };
}

async function loadModel(
  db: Db,
  ref: ModelRef,
  hub: Pick<LoadHubModelOptions, 'onProgress' | 'signal' | 'partials'> = {},
): Promise<SentenceModel> {
  if (ref.kind === 'hub')
    return loadSentenceModel(
      await loadHubModel({ ...ref, ...hub, cache: cacheStorageModelCache(caches) }),
    );
  return loadSentenceModel(await storedSource(db, ref));
}

/** A reranker the Model page added: a Hub cross-encoder (cached there) or a stored folder. */
export async function resolveCrossEncoder(db: Db, ref: ModelRef): Promise<CrossEncoder> {
  const source =
    ref.kind === 'hub'
      ? await loadHubModel({
          ...ref,
          files: CROSS_ENCODER_FILES,
          cache: cacheStorageModelCache(caches),
        })
      : await storedSource(db, ref);
  return new CrossEncoder(await loadCrossEncoderModel(source));
}

async function storedSource(
  db: Db,
  ref: Extract<ModelRef, { kind: 'local' }>,
): Promise<ModelSource> {
  const record = await db.get('models', ref.id);
  if (!record)
    throw new Error(
      `the local model "${ref.name}" is no longer stored; add it again on the Model page`,
    );
  return memorySource(record.name, new Map(Object.entries(record.files)));
}
