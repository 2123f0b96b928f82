import { expose } from 'comlink';
import { sentenceTransformersFolder, type FolderFiles } from '../lib/export/folder.ts';
import { modelCard, type ModelCardInput } from '../lib/export/model-card.ts';
import {
  LOCAL_BASE_FOLDER,
  pairsJsonl,
  TRAIN_SCRIPT_FILE,
  trainScript,
} from '../lib/export/train-script.ts';
import { zipBlob } from '../lib/export/zip.ts';
import { splitByQuery } from '../lib/data/split.ts';
import { readPairs } from '../lib/store/datasets.ts';
import { openAttuneDb } from '../lib/store/db.ts';
import { getDataset } from '../lib/store/datasets.ts';
import { getCheckpoint, getRun } from '../lib/store/runs.ts';
import type { ModelRef } from '../lib/store/schema.ts';
import { decodeCheckpoint, modelAtCheckpoint } from '../lib/train/checkpoint.ts';
import { loraAdapterFolder } from '../lib/train/lora-export.ts';
import { resolveTrainConfig, type TrainConfig } from '../lib/train/config.ts';
import { isRelevantPair } from '../lib/data/pairs.ts';
import { marginLabels } from './margin-labels.ts';
import { resolveModel } from './resolve-model.ts';
import { useBackend } from './tf-backend.ts';

export interface ExportOptions {
  dtype: 'F32' | 'F16';
  /** Also write onnx/model.onnx and onnx/model_quantized.onnx for transformers.js. */
  onnx?: boolean;
  /** The base-vs-tuned table for the model card, when the run was evaluated. */
  evaluation?: ModelCardInput['evaluation'];
}

function modelName(ref: ModelRef): { name: string; revision?: string } {
  return ref.kind === 'hub' ? { name: ref.repo, revision: ref.revision } : { name: ref.name };
}

/** The fine-tuned sentence-transformers folder of a run: its base model with its last checkpoint's weights. */
async function runFolder(
  runId: string,
  options: ExportOptions,
): Promise<{ files: FolderFiles; name: string }> {
  const db = await openAttuneDb();
  try {
    const run = await getRun(db, runId);
    if (!run) throw new Error('this run no longer exists');
    const checkpoint = await getCheckpoint(db, runId);
    if (!checkpoint)
      throw new Error(
        `“${run.name}” has no checkpoint yet: let it train at least until its first checkpoint`,
      );
    const config = resolveTrainConfig(run.config as Partial<TrainConfig>);
    const base = await resolveModel(db, run.model);
    const state = decodeCheckpoint(checkpoint.bytes);
    const trained = modelAtCheckpoint(base, state);
    // The run's token limit goes into sentence_bert_config.json.
    const tuned = { ...trained, maxSeqLength: config.maxSeqLength ?? trained.maxSeqLength };
    const dataset = await getDataset(db, run.datasetId);
    const { name, revision } = modelName(run.model);
    const readme = modelCard({
      baseModel: name,
      baseRevision: revision,
      dataset: {
        name: dataset?.name ?? 'deleted dataset',
        pairs: dataset?.counts.pairs ?? 0,
        evalQueries: dataset?.evalQueries?.length,
      },
      config,
      steps: checkpoint.step,
      date: new Date(checkpoint.created).toISOString().slice(0, 10),
      finalLoss: run.history.find((h) => h[0] === checkpoint.step)?.[1],
      evaluation: options.evaluation,
    });
    const files = sentenceTransformersFolder(tuned, tuned.weights, {
      dtype: options.dtype,
      onnx: options.onnx,
      readme,
      extraFiles: state.lora ? loraAdapterFolder(state.lora, state.weights, name) : undefined,
    });
    const slug = `${name.split('/').pop()}-attune-step${checkpoint.step}`.replace(/[^\w.-]+/g, '-');
    return { files, name: slug };
  } finally {
    db.close();
  }
}

/**
 * "Take it further": the run's data splits as JSONL and a train.py that reruns the same fine-tuning
 * with sentence-transformers, for a GPU server or a cluster (a local base model rides along).
 */
async function takeItFurther(runId: string): Promise<{ files: FolderFiles; name: string }> {
  const db = await openAttuneDb();
  try {
    const run = await getRun(db, runId);
    if (!run) throw new Error('this run no longer exists');
    const dataset = await getDataset(db, run.datasetId);
    if (!dataset) throw new Error('the run’s dataset was deleted, so its splits cannot be written');
    const pairs = await readPairs(db, dataset.id);
    const split = splitByQuery(pairs, new Set(dataset.evalQueries));
    const { name, revision } = modelName(run.model);
    const files: FolderFiles = new Map();
    const config = resolveTrainConfig(run.config as Partial<TrainConfig>);
    // A MarginMSE run trained on its relevant rows with the teacher's margins: train.py gets those.
    const train =
      config.loss === 'margin-mse'
        ? await useBackend('wasm').then(() =>
            marginLabels(db, run.reranker, split.train.filter(isRelevantPair), {
              batchSize: config.batchSize,
            }),
          )
        : split.train;
    files.set('train.jsonl', new TextEncoder().encode(pairsJsonl(train)));
    files.set('eval.jsonl', new TextEncoder().encode(pairsJsonl(split.eval)));
    const local = run.model.kind === 'local';
    // The prompts the run trained with (the person's, the model's, or its authors'), for train.py.
    const base = await resolveModel(db, run.model);
    const prompts = Object.keys(base.prompts.prompts).length ? base.prompts : undefined;
    files.set(
      TRAIN_SCRIPT_FILE,
      new TextEncoder().encode(
        trainScript({
          config,
          baseModel: name,
          baseRevision: revision,
          baseIsLocal: local,
          prompts,
        }),
      ),
    );
    if (local) {
      for (const [path, bytes] of sentenceTransformersFolder(base, base.weights))
        files.set(`${LOCAL_BASE_FOLDER}/${path}`, bytes);
    }
    return { files, name: `${dataset.name}-train-script`.replace(/[^\w.-]+/g, '-') };
  } finally {
    db.close();
  }
}

const api = {
  async zipTakeItFurther(runId: string): Promise<{ blob: Blob; fileName: string }> {
    const { files, name } = await takeItFurther(runId);
    return { blob: await zipBlob(files, { root: name }), fileName: `${name}.zip` };
  },

  /** The folder as a zip, streamed into a Blob; the folder sits inside it under the model's name. */
  async zipRun(runId: string, options: ExportOptions): Promise<{ blob: Blob; fileName: string }> {
    const { files, name } = await runFolder(runId, options);
    return { blob: await zipBlob(files, { root: name }), fileName: `${name}.zip` };
  },

  /** Writes the folder into a directory the person chose (File System Access API). */
  async writeRunToDirectory(
    runId: string,
    directory: FileSystemDirectoryHandle,
    options: ExportOptions,
  ): Promise<string[]> {
    const { files } = await runFolder(runId, options);
    const written: string[] = [];
    for (const [path, bytes] of files) {
      const parts = path.split('/').filter(Boolean);
      const isDirectory = path.endsWith('/');
      let dir = directory;
      for (const part of isDirectory ? parts : parts.slice(0, -1))
        dir = await dir.getDirectoryHandle(part, { create: true });
      if (isDirectory) continue;
      const handle = await dir.getFileHandle(parts.at(-1)!, { create: true });
      const stream = await handle.createWritable();
      await stream.write(bytes as Uint8Array<ArrayBuffer>);
      await stream.close();
      written.push(path);
    }
    return written;
  },
};

export type ExportWorkerApi = typeof api;
expose(api);
