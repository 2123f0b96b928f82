import * as tf from '@tensorflow/tfjs';
import { expose } from 'comlink';
import { cacheStorageModelCache } from '../lib/hub/cache.ts';
import { loadHubModel, type HubLoadProgress } from '../lib/hub/load.ts';
import { SentenceEncoder } from '../lib/model/encoder.ts';
import { loadSentenceModel } from '../lib/model/folder.ts';
import { memorySource, type ModelSource } from '../lib/model/source.ts';
import { summarizeModel, type ModelSummary } from '../lib/model/summary.ts';
import { probeTrainingStep, type ProbeResult } from '../lib/train/probe.ts';
import { useBackend, type BackendName } from './tf-backend.ts';

/** A model loaded into this worker's TensorFlow.js: embeds texts, probes a training step. */
let encoder: SentenceEncoder | null = null;

async function load(source: ModelSource): Promise<ModelSummary> {
  const model = await loadSentenceModel(source);
  encoder?.dispose();
  encoder = new SentenceEncoder(model);
  return summarizeModel(model);
}

function loaded(): SentenceEncoder {
  if (!encoder) throw new Error('no model is loaded in the encoder worker');
  return encoder;
}

const api = {
  useBackend: (preferred: BackendName) => useBackend(preferred),

  async loadFromHub(
    spec: { host: string; repo: string; revision: string },
    onProgress?: (p: HubLoadProgress) => void,
  ): Promise<ModelSummary> {
    const source = await loadHubModel({
      ...spec,
      cache: cacheStorageModelCache(caches),
      onProgress,
    });
    return load(source);
  },

  loadFromFiles: (name: string, files: Map<string, Uint8Array>) => load(memorySource(name, files)),

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
