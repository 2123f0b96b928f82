import * as tf from '@tensorflow/tfjs';
import { expose } from 'comlink';
import { sentenceTransformersFolder, type ExportOptions } from '../lib/export/folder.ts';
import { zipBlob } from '../lib/export/zip.ts';
import { cacheStorageModelCache } from '../lib/hub/cache.ts';
import {
  CROSS_ENCODER_FILES,
  SENTENCE_TRANSFORMERS_FILES,
  type ModelFileSpec,
} from '../lib/hub/files.ts';
import { loadHubModel, type HubLoadProgress } from '../lib/hub/load.ts';
import { memoryPartialStore } from '../lib/hub/partial.ts';
import {
  loadCrossEncoderModel,
  summarizeCrossEncoder,
  type CrossEncoderSummary,
} from '../lib/model/cross-encoder-folder.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { loadSentenceModel, type SentenceModel } from '../lib/model/folder.ts';
import type { ModelSource } from '../lib/model/source.ts';
import { summarizeModel, type ModelSummary } from '../lib/model/summary.ts';
import { probeTrainingStep, type ProbeResult } from '../lib/train/probe.ts';
import { useBackend, wasmThreads, type BackendName } from './tf-backend.ts';

/** A model loaded into this worker; its TensorFlow.js encoder is built on first use (embed, probe). */
let model: SentenceModel | null = null;
let encoder: SentenceEncoder | null = null;
/** Interrupted downloads, kept for the worker's life: cancel, then load again, and it resumes. */
const partials = memoryPartialStore();
let download: AbortController | null = null;

/** The summary plus what a training-memory estimate needs (`TrainingShape`). */
export type LoadedModelSummary = ModelSummary & { intermediateSize: number };

async function load(source: ModelSource): Promise<LoadedModelSummary> {
  const next = await loadSentenceModel(source);
  encoder?.dispose();
  encoder = null;
  model = next;
  return { ...summarizeModel(next), intermediateSize: next.config.intermediate_size };
}

function loaded(): SentenceEncoder {
  if (!model) throw new Error('no model is loaded in the encoder worker');
  return (encoder ??= new SentenceEncoder(model));
}

/** Files by path, bytes or Blobs read on demand; every file the loader reads is noted in `read`. */
function fileSource(
  name: string,
  files: ReadonlyMap<string, Uint8Array | Blob>,
  read?: Map<string, Uint8Array>,
): ModelSource {
  return {
    name,
    async read(path) {
      const file = files.get(path);
      if (!file) return null;
      const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
      read?.set(path, bytes);
      return bytes;
    },
  };
}

/** A Hub folder's `files`, from Cache Storage or downloaded; a newer download stops an older one. */
async function fromHub(
  spec: { host: string; repo: string; revision: string },
  files: readonly ModelFileSpec[],
  onProgress?: (p: HubLoadProgress) => void,
): Promise<ModelSource> {
  download?.abort();
  const controller = (download = new AbortController());
  try {
    return await loadHubModel({
      ...spec,
      files,
      cache: cacheStorageModelCache(caches),
      partials,
      onProgress,
      signal: controller.signal,
    });
  } finally {
    if (download === controller) download = null;
  }
}

const api = {
  useBackend: (preferred: BackendName) => useBackend(preferred),
  wasmThreads,

  async loadFromHub(
    spec: { host: string; repo: string; revision: string },
    onProgress?: (p: HubLoadProgress) => void,
  ): Promise<LoadedModelSummary> {
    return load(await fromHub(spec, SENTENCE_TRANSFORMERS_FILES, onProgress));
  },

  /**
   * Downloads (or reads from the cache) a cross-encoder and checks it; the base model loaded in
   * this worker stays as it is.
   */
  async rerankerFromHub(
    spec: { host: string; repo: string; revision: string },
    onProgress?: (p: HubLoadProgress) => void,
  ): Promise<CrossEncoderSummary> {
    const source = await fromHub(spec, CROSS_ENCODER_FILES, onProgress);
    return summarizeCrossEncoder(await loadCrossEncoderModel(source));
  },

  /** Checks a cross-encoder folder the person brought and returns the files to keep. */
  async importReranker(
    name: string,
    files: ReadonlyMap<string, Uint8Array | Blob>,
  ): Promise<{ summary: CrossEncoderSummary; files: Map<string, Uint8Array> }> {
    const read = new Map<string, Uint8Array>();
    const model = await loadCrossEncoderModel(fileSource(name, files, read));
    return { summary: summarizeCrossEncoder(model), files: read };
  },

  /** Stops the Hub download in progress; `loadFromHub` then throws HubCancelledError. */
  cancelDownload: () => download?.abort(),

  loadFromFiles: (name: string, files: ReadonlyMap<string, Uint8Array | Blob>) =>
    load(fileSource(name, files)),

  /** Loads a folder the person brought and returns the files the loader read: the ones to keep. */
  async importFolder(
    name: string,
    files: ReadonlyMap<string, Uint8Array | Blob>,
  ): Promise<{ summary: LoadedModelSummary; files: Map<string, Uint8Array> }> {
    const read = new Map<string, Uint8Array>();
    const summary = await load(fileSource(name, files, read));
    return { summary, files: read };
  },

  /** The loaded model as a sentence-transformers folder in a zip, with its current weights. */
  async exportZip(options: ExportOptions & { root?: string } = {}): Promise<Blob> {
    if (!model) throw new Error('no model is loaded in the encoder worker');
    const weights = encoder ? await encoder.exportWeights() : model.weights;
    return zipBlob(sentenceTransformersFolder(model, weights, options), { root: options.root });
  },

  embed: (texts: string[], batchSize = 32): Promise<Float32Array[]> =>
    loaded().embed(texts, { batchSize }),

  probeTrainingStep: (columns: string[][], scale = 20): Promise<ProbeResult> =>
    probeTrainingStep(loaded(), { columns }, scale),

  memory: () => {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, backend: tf.getBackend() };
  },
};

export type EncoderWorkerApi = typeof api;
expose(api);
