import type { ModelSource } from '../model/source.ts';
import { readAbsent, writeAbsent } from './absent.ts';
import { assertSupportedConfig } from './architecture.ts';
import type { ModelFileCache } from './cache.ts';
import { downloadHubFile, type DownloadProgress } from './download.ts';
import { HubNotFoundError } from './errors.ts';
import { SENTENCE_TRANSFORMERS_FILES, type ModelFileSpec } from './files.ts';
import type { PartialStore } from './partial.ts';
import { RateMeter, type Clock } from './rate.ts';
import { assertRepoId, DEFAULT_REVISION, HUB_HOST, hubFileUrl } from './url.ts';

export type HubFileStatus = 'queued' | 'downloading' | 'cached' | 'done' | 'missing';

/** One file of the model, as the progress list shows it. */
export interface HubFileProgress extends DownloadProgress {
  path: string;
  status: HubFileStatus;
}

/** The whole model: every file, and the sums over them. */
export interface HubLoadProgress {
  files: HubFileProgress[];
  received: number;
  /** Sum of the files' sizes once every file's size is known (a missing file counts 0); else null. */
  total: number | null;
  /** Network speed over all files together (cache hits excluded). */
  bytesPerSecond: number;
}

export interface LoadHubModelOptions {
  repo: string;
  /** Hub host, `https://huggingface.co` unless a mirror or a test server stands in. */
  host?: string;
  revision?: string;
  /** Which files to fetch; the sentence-transformers set unless given. config.json is always read first. */
  files?: readonly ModelFileSpec[];
  cache?: ModelFileCache;
  /** Keeps interrupted downloads so that loading again resumes them. */
  partials?: PartialStore;
  onProgress?: (progress: HubLoadProgress) => void;
  /** Problems that do not stop the load (the cache refused a file); each says what it costs. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  token?: string;
  clock?: Clock;
  /** Vets config.json before the rest downloads; by default, refuses what Attune cannot train. */
  checkConfig?: (bytes: Uint8Array, repo: string, revision: string) => void;
}

/** A model folder fetched from the Hub: the loader reads it like any other ModelSource. */
export interface HubModelSource extends ModelSource {
  readonly host: string;
  readonly repo: string;
  readonly revision: string;
  /** Every file asked for that the repo has, by path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/**
 * Loads a model folder from the Hub:
 *   1. config.json, from the cache or the network; refuse an unsupported model_type here;
 *   2. every other file at once, each from the cache when it is there; an optional file the
 *      repo lacks is skipped, a required one fails the load (and stops the other downloads);
 *   3. new files go into the cache, and a note of the absent optional files beside them, so a
 *      second load makes no request.
 */
export async function loadHubModel(options: LoadHubModelOptions): Promise<HubModelSource> {
  const { repo, cache, partials, token, clock, onWarning } = options;
  const host = options.host ?? HUB_HOST;
  const revision = options.revision ?? DEFAULT_REVISION;
  assertRepoId(repo);
  const config: ModelFileSpec = { path: 'config.json', required: true };
  const rest = (options.files ?? SENTENCE_TRANSFORMERS_FILES).filter((s) => s.path !== config.path);

  const warn = (what: string, e: unknown) =>
    onWarning?.(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  const absent = cache
    ? await readAbsent(cache, host, repo, revision).catch((e: unknown) => {
        warn('could not read the cache, so every file is downloaded', e);
        return new Set<string>();
      })
    : new Set<string>();
  const newlyAbsent = new Set<string>();

  const state = new Map<string, HubFileProgress>(
    [config, ...rest].map((s) => [
      s.path,
      {
        path: s.path,
        status: 'queued',
        received: 0,
        total: null,
        bytesPerSecond: 0,
        resumedFrom: 0,
      },
    ]),
  );
  const meter = new RateMeter(clock);
  meter.add(0);
  // Once the load has failed, downloads still winding down must not repaint the progress.
  let stopped = false;
  const emit = () => {
    if (!options.onProgress || stopped) return;
    const files = [...state.values()].map((f) => ({ ...f }));
    const sizes = files.map((f) => (f.status === 'missing' ? 0 : f.total));
    options.onProgress({
      files,
      received: files.reduce((sum, f) => sum + f.received, 0),
      total: sizes.every((s) => s !== null) ? sizes.reduce((a, b) => a + b, 0) : null,
      bytesPerSecond: meter.bytesPerSecond,
    });
  };
  const update = (path: string, change: Partial<HubFileProgress>) => {
    Object.assign(state.get(path)!, change);
    emit();
  };

  // Stops the other downloads when one fails; the caller's signal stops them all.
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;

  const fetchFile = async (spec: ModelFileSpec): Promise<Uint8Array | null> => {
    const url = hubFileUrl(host, repo, revision, spec.path);
    if (!spec.required && absent.has(spec.path)) {
      update(spec.path, { status: 'missing' });
      return null;
    }
    const cached = cache
      ? await cache.match(url).catch((e: unknown) => {
          warn(`could not read ${spec.path} from the cache, so it is downloaded`, e);
          return null;
        })
      : null;
    if (cached) {
      update(spec.path, {
        status: 'cached',
        received: cached.byteLength,
        total: cached.byteLength,
      });
      return cached;
    }
    let counted = 0;
    let bytes: Uint8Array;
    try {
      bytes = await downloadHubFile(
        { host, repo, revision, file: spec.path },
        {
          signal,
          partials,
          token,
          clock,
          onProgress: (p) => {
            // A resumed prefix arrived in an earlier attempt: it is not speed.
            if (state.get(spec.path)!.status === 'queued') counted = p.resumedFrom;
            meter.add(p.received - counted);
            counted = p.received;
            update(spec.path, { status: 'downloading', ...p });
          },
        },
      );
    } catch (e) {
      if (!spec.required && e instanceof HubNotFoundError && e.missing === 'file') {
        newlyAbsent.add(spec.path);
        update(spec.path, { status: 'missing' });
        return null;
      }
      throw e;
    }
    update(spec.path, { status: 'done' });
    await cache
      ?.put(url, bytes)
      .catch((e: unknown) =>
        warn(`could not cache ${spec.path}, so the next load downloads it again`, e),
      );
    return bytes;
  };

  const files = new Map<string, Uint8Array>();
  const keep = (spec: ModelFileSpec, bytes: Uint8Array | null) => {
    if (bytes) files.set(spec.path, bytes);
  };
  keep(config, await fetchFile(config));
  const configBytes = files.get('config.json');
  if (configBytes) (options.checkConfig ?? assertSupportedConfig)(configBytes, repo, revision);
  try {
    await Promise.all(rest.map(async (spec) => keep(spec, await fetchFile(spec))));
  } catch (e) {
    stopped = true;
    failed.abort();
    throw e;
  }
  if (cache && newlyAbsent.size > 0) {
    await writeAbsent(cache, host, repo, revision, new Set([...absent, ...newlyAbsent])).catch(
      (e: unknown) => warn('could not note the absent files, so the next load asks for them', e),
    );
  }
  return {
    name: `hub:${repo}@${revision}`,
    host,
    repo,
    revision,
    files,
    read: async (path) => files.get(path) ?? null,
  };
}
