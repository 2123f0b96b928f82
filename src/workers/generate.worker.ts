import { env } from '@huggingface/transformers';
import { expose } from 'comlink';
import ortWasmFactory from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { generatedDataset } from '../lib/generate/dataset.ts';
import { generateForCorpus } from '../lib/generate/generator.ts';
import {
  checkGeneratorConfig,
  generatorDtype,
  generatorFiles,
} from '../lib/generate/generator-files.ts';
import {
  deleteJob,
  latestJob,
  readQueries,
  recordDocument,
  saveJob,
} from '../lib/generate/jobs.ts';
import type { GenerationJob } from '../lib/generate/jobs.ts';
import type { ExampleQuery } from '../lib/generate/prompt.ts';
import { toTrainingPairs, type GeneratedQuery } from '../lib/generate/review.ts';
import { roundTripRanks } from '../lib/generate/round-trip.ts';
import type { GeneratorDevice, SamplingSettings } from '../lib/generate/settings.ts';
import { TransformersGenerator } from '../lib/generate/transformers-generator.ts';
import { cacheStorageModelCache, TRANSFORMERS_CACHE } from '../lib/hub/cache.ts';
import { loadHubModel, type HubLoadProgress } from '../lib/hub/load.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { saveDataset } from '../lib/store/datasets.ts';
import { openAttuneDb, type Db } from '../lib/store/db.ts';
import type { DatasetRecord, ModelRef } from '../lib/store/schema.ts';
import { resolveModel } from './resolve-model.ts';
import { useBackend, type BackendName } from './tf-backend.ts';

export type { GenerationJob };

export interface GeneratorRef {
  host: string;
  repo: string;
  revision: string;
}

export interface StartRequest {
  name: string;
  corpus: string[];
  examples: ExampleQuery[];
  generator: GeneratorRef;
  sampling: SamplingSettings;
}

export type GenerateEvent =
  | { type: 'download'; progress: HubLoadProgress }
  | { type: 'loaded'; device: GeneratorDevice }
  | { type: 'document'; job: GenerationJob; queries: GeneratedQuery[] }
  | { type: 'stopped'; job: GenerationJob };

let db: Promise<Db> | null = null;
const database = () => (db ??= openAttuneDb());
let running: AbortController | null = null;
let loaded: { key: string; generator: TransformersGenerator; device: GeneratorDevice } | null =
  null;

/**
 * transformers.js reads every file from the Cache Storage our Hub code filled (same name, same
 * full-URL keys) and may not fetch anything itself: a file it asks for that we did not download
 * is a bug to see, not a request to make. The onnxruntime wasm files are our own bundled assets
 * (the default is a CDN, which the CSP forbids), imported directly rather than through a blob
 * URL, which `script-src 'self'` also forbids.
 */
function configureTransformers(host: string): void {
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.remoteHost = `${host}/`;
  env.remotePathTemplate = '{model}/resolve/{revision}/';
  env.useBrowserCache = true;
  env.cacheKey = TRANSFORMERS_CACHE;
  env.useWasmCache = false;
  env.fetch = (input) =>
    Promise.reject(
      new Error(`${String(input)} was not downloaded by Attune's Hub loader; refusing to fetch it`),
    );
  const wasm = env.backends.onnx.wasm;
  if (wasm) wasm.wasmPaths = { mjs: ortWasmFactory, wasm: ortWasmBinary };
}

async function loadGenerator(
  ref: GeneratorRef,
  onEvent: (e: GenerateEvent) => void,
  signal: AbortSignal,
): Promise<{ generator: TransformersGenerator; device: GeneratorDevice }> {
  const key = `${ref.host}|${ref.repo}|${ref.revision}`;
  if (loaded?.key === key) return loaded;
  await loaded?.generator.dispose();
  loaded = null;
  const cache = cacheStorageModelCache(caches);
  const common = { ...ref, cache, signal, checkConfig: checkGeneratorConfig };
  const head = await loadHubModel({ ...common, files: [{ path: 'config.json', required: true }] });
  const config: unknown = JSON.parse(new TextDecoder().decode(head.files.get('config.json')));
  const device: GeneratorDevice = 'gpu' in navigator ? 'webgpu' : 'wasm';
  await loadHubModel({
    ...common,
    files: generatorFiles(generatorDtype(config, device)),
    onProgress: (progress) => onEvent({ type: 'download', progress }),
  });
  configureTransformers(ref.host);
  const generator = await TransformersGenerator.load(ref.repo, {
    device,
    dtype: generatorDtype(config, device),
    revision: ref.revision,
  });
  loaded = { key, generator, device };
  onEvent({ type: 'loaded', device });
  return loaded;
}

async function run(job: GenerationJob, onEvent: (e: GenerateEvent) => void): Promise<void> {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  const store = await database();
  let current: GenerationJob = { ...job, status: 'running' };
  await saveJob(store, current);
  try {
    const { generator } = await loadGenerator(job.generator, onEvent, controller.signal);
    const steps = generateForCorpus(generator, job.corpus, job.examples, job.sampling, {
      start: job.nextDocument,
      signal: controller.signal,
    });
    for await (const step of steps) {
      current = await recordDocument(store, current, step);
      onEvent({ type: 'document', job: current, queries: step.queries });
    }
  } finally {
    if (current.status === 'running') {
      current = { ...current, status: 'paused' };
      await saveJob(store, current);
    }
    if (running === controller) running = null;
    onEvent({ type: 'stopped', job: current });
  }
}

const api = {
  /** The last job and its queries, so the page picks up after a reload. */
  async restore(): Promise<{ job: GenerationJob; queries: GeneratedQuery[] } | null> {
    const store = await database();
    let job = await latestJob(store);
    if (!job) return null;
    // 'running' with nothing running here: the tab closed mid-job, which is a pause.
    if (job.status === 'running' && !running) {
      job = { ...job, status: 'paused' };
      await saveJob(store, job);
    }
    return { job, queries: await readQueries(store, job.jobId) };
  },

  /** A new job replaces the stored one: the page keeps one job at a time. */
  async start(request: StartRequest, onEvent: (e: GenerateEvent) => void): Promise<void> {
    if (running) throw new Error('a generation job is running; pause it before starting another');
    await (await database()).clear('generations');
    const job: GenerationJob = {
      jobId: crypto.randomUUID(),
      index: -1,
      kind: 'job',
      created: Date.now(),
      name: request.name,
      corpus: request.corpus,
      examples: request.examples,
      generator: request.generator,
      sampling: request.sampling,
      nextDocument: 0,
      status: 'running',
    };
    await run(job, onEvent);
  },

  /** Goes on from the first document without queries. */
  async resume(jobId: string, onEvent: (e: GenerateEvent) => void): Promise<void> {
    const job = await latestJob(await database());
    if (!job || job.jobId !== jobId) throw new Error('that generation job is no longer stored');
    await run(job, onEvent);
  },

  /** Stops after the current continuation; what is stored stays, and `resume` goes on. */
  pause(): void {
    running?.abort();
  },

  /** Stops and forgets the job. */
  async discard(jobId: string): Promise<void> {
    running?.abort();
    await deleteJob(await database(), jobId);
  },

  /** The rank of each query's own document under the embedding model (null beyond `topK`). */
  async rank(
    jobId: string,
    model: ModelRef,
    topK: number,
    backend: BackendName,
  ): Promise<{ queries: GeneratedQuery[]; ranks: (number | null)[] }> {
    const store = await database();
    const job = await latestJob(store);
    if (!job || job.jobId !== jobId) throw new Error('that generation job is no longer stored');
    const queries = await readQueries(store, jobId);
    await useBackend(backend);
    const encoder = new SentenceEncoder(await resolveModel(store, model));
    try {
      return { queries, ranks: await roundTripRanks(encoder, job.corpus, queries, topK) };
    } finally {
      encoder.dispose();
    }
  },

  /** The accepted queries (as (document, text)) as a new dataset. */
  async createDataset(
    jobId: string,
    accepted: GeneratedQuery[],
    name: string,
  ): Promise<DatasetRecord> {
    const store = await database();
    const job = await latestJob(store);
    if (!job || job.jobId !== jobId) throw new Error('that generation job is no longer stored');
    const corpusBytes = new TextEncoder().encode(job.corpus.join('\n'));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', corpusBytes));
    const { record, pairs } = generatedDataset({
      id: crypto.randomUUID(),
      name,
      created: Date.now(),
      source: {
        fileName: job.name,
        size: corpusBytes.byteLength,
        sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
      },
      pairs: toTrainingPairs(accepted, job.corpus),
      examples: job.examples,
    });
    return saveDataset(store, record, pairs);
  },
};

export type GenerateWorkerApi = typeof api;
expose(api);
