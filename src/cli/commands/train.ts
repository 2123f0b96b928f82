import { basename, join } from 'node:path';
import { isRelevantPair, type TrainingPair } from '../../lib/data/pairs.ts';
import type { SentenceModel } from '../../lib/model/folder.ts';
import { sentenceTransformersFolder } from '../../lib/export/folder.ts';
import { modelCard } from '../../lib/export/model-card.ts';
import * as tf from '@tensorflow/tfjs';
import { deviceLimits } from '../../lib/env/webgpu-device.ts';
import { SentenceEncoder } from '../../lib/model/encoder.ts';
import { promptPairs, recordRetrievalPrompts } from '../../lib/model/prompts.ts';
import { resolveTrainConfig, type TrainConfig } from '../../lib/train/config.ts';
import { teacherMargins } from '../../lib/train/gpl-labels.ts';
import { loraExport } from '../../lib/train/lora.ts';
import {
  isOutOfMemory,
  memoryBudget,
  memoryFixes,
  planTraining,
  refusal,
  type MemoryBudget,
  type MemoryPlan,
} from '../../lib/train/memory-plan.ts';
import { planContext } from '../../lib/train/plan-context.ts';
import { TrainingSession } from '../../lib/train/session.ts';
import { modelForRun, Trainer } from '../../lib/train/trainer.ts';
import { formatBytes } from '../../lib/util/format.ts';
import { withPeakMemory } from '../peak-memory.ts';
import { CliError, numberFlag, parseFlags, required, type Command } from '../args.ts';
import { fileCheckpointStore, readCheckpoint } from '../checkpoints.ts';
import { loadCrossEncoderDir } from '../cross-encoder-dir.ts';
import {
  BACKEND_FLAG,
  BACKEND_USAGE,
  initBackend,
  loadModelDir,
  readPairsFile,
  writeFolder,
  writeOutput,
} from '../io.ts';
import { wasmThreadCount } from '../wasm-threads.ts';
import {
  RETRIEVAL_PROMPT_FLAGS,
  RETRIEVAL_PROMPT_USAGE,
  retrievalPromptsFromFlags,
} from '../prompt-flags.ts';

const USAGE = `--model DIR --data FILE --out DIR [options]

  --model DIR            base sentence-transformers folder
  --data FILE            CSV/TSV/JSONL with query (or anchor), positive, optional negative columns
  --weight-column NAME   per-pair weights from column NAME (weighted MNRL; e.g. debiased clicks)
  --out DIR              receives the fine-tuned model as a sentence-transformers folder
  --steps N | --epochs N optimizer steps, or passes over the data (default 1 epoch)
  --batch-size 32        pairs per batch
  --lr 2e-5              peak learning rate
  --weight-decay 0.01    AdamW decoupled weight decay
  --decay-all            decay biases and LayerNorm weights too
  --adam-eps 1e-6        Adam ε
  --warmup-ratio 0.1     share of steps warming up linearly
  --schedule linear      linear (decay to 0) or constant after warmup
  --max-grad-norm 1      gradient clipping; 0 disables
  --loss mnrl            mnrl, or margin-mse: MarginMSELoss on dot products (GPL), each row's
                         label the margin of --cross-encoder's logits CE(q, p) − CE(q, n_j),
                         or else the data's score column (one negative per row)
  --cross-encoder DIR    the teacher that labels rows for margin-mse
  --scale 20             MNRL similarity scale
  --symmetric            symmetric MNRL
  --no-shuffle           file order, batches wrapping around
  --dropout X            training dropout (default: config.json's)
  --seed N               seed of shuffling and dropout (default 42)
  --mini-batch N         GradCache: embed N at a time, same loss and gradients
  --max-seq-length N     truncate texts to N tokens (default: the model's max_seq_length)
  --freeze-embeddings    no gradient or optimizer state for the word-embedding table
  --lora-rank R          LoRA: train rank-R adapters only (PEFT semantics; merged on export,
                         the adapter written to DIR/lora-adapter/)
  --lora-alpha 8         LoRA scale α (the update is scaled by α/R)
  --lora-dropout 0       dropout on each adapter's input
  --lora-targets query,value  Linear layers that get adapters (PEFT target_modules)
  --checkpoint-every N   write DIR/checkpoints/step-N.safetensors every N steps
  --resume PATH          continue from a checkpoint file, or the latest in a checkpoints folder
  --report FILE.json     {"losses", "steps", "seconds", "pairsPerSecond", "peakBytes", "plan", "backend", "threads", ...}
  --onnx                 also write onnx/model.onnx and onnx/model_quantized.onnx (transformers.js)
${RETRIEVAL_PROMPT_USAGE}

Before the first step a memory plan is checked against the backend (wasm: the 4 GB heap); a run
that cannot fit exits 2 with the memory it needs and a fix.

${BACKEND_USAGE}`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
  'weight-column': { type: 'string' },
  out: { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  'decay-all': { type: 'boolean' },
  'adam-eps': { type: 'string' },
  'warmup-ratio': { type: 'string' },
  schedule: { type: 'string' },
  'max-grad-norm': { type: 'string' },
  scale: { type: 'string' },
  loss: { type: 'string' },
  'cross-encoder': { type: 'string' },
  symmetric: { type: 'boolean' },
  'no-shuffle': { type: 'boolean' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  'mini-batch': { type: 'string' },
  'max-seq-length': { type: 'string' },
  'freeze-embeddings': { type: 'boolean' },
  'lora-rank': { type: 'string' },
  'lora-alpha': { type: 'string' },
  'lora-dropout': { type: 'string' },
  'lora-targets': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'string' },
  report: { type: 'string' },
  onnx: { type: 'boolean' },
  ...RETRIEVAL_PROMPT_FLAGS,
  ...BACKEND_FLAG,
} as const;

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

function configFrom(flags: Flags): TrainConfig {
  const d = resolveTrainConfig();
  const num = (flag: keyof Flags, fallback: number) =>
    numberFlag(flags[flag] as string | undefined, flag, fallback);
  const schedule = flags.schedule ?? d.schedule;
  const loss = flags.loss ?? d.loss;
  if (loss !== 'mnrl' && loss !== 'margin-mse')
    throw new CliError(`--loss expects mnrl or margin-mse, got "${loss}"`);
  if (flags['cross-encoder'] !== undefined && loss !== 'margin-mse')
    throw new CliError('--cross-encoder labels rows for --loss margin-mse; add --loss margin-mse');
  if (schedule !== 'linear' && schedule !== 'constant')
    throw new CliError(`--schedule expects linear or constant, got "${schedule}"`);
  try {
    return resolveTrainConfig({
      steps: flags.steps === undefined ? null : num('steps', 0),
      epochs: num('epochs', d.epochs),
      batchSize: num('batch-size', d.batchSize),
      lr: num('lr', d.lr),
      weightDecay: num('weight-decay', d.weightDecay),
      decayAll: flags['decay-all'] ?? false,
      adamEps: num('adam-eps', d.adamEps),
      warmupRatio: num('warmup-ratio', d.warmupRatio),
      schedule,
      maxGradNorm: num('max-grad-norm', d.maxGradNorm),
      scale: num('scale', d.scale),
      symmetric: flags.symmetric ?? false,
      shuffle: !(flags['no-shuffle'] ?? false),
      dropout: flags.dropout === undefined ? null : num('dropout', 0),
      seed: num('seed', d.seed),
      miniBatch: flags['mini-batch'] === undefined ? null : num('mini-batch', 0),
      checkpointEvery: num('checkpoint-every', 0),
      maxSeqLength: flags['max-seq-length'] === undefined ? null : num('max-seq-length', 0),
      freezeEmbeddings: flags['freeze-embeddings'] ?? false,
      loraRank: flags['lora-rank'] === undefined ? null : num('lora-rank', 0),
      loraAlpha: num('lora-alpha', d.loraAlpha),
      loraDropout: num('lora-dropout', d.loraDropout),
      loraTargets: flags['lora-targets']?.split(',').map((t) => t.trim()) ?? d.loraTargets,
      loss,
    });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** The plan before any step: refused with exit 2 when it cannot fit, printed when it can. */
function checkMemory(
  model: SentenceModel,
  pairs: TrainingPair[],
  config: TrainConfig,
  backend: string,
): MemoryPlan & { budget: MemoryBudget } {
  const budget = memoryBudget(
    backend,
    tf.memory().numBytes,
    backend === 'webgpu' ? deviceLimits() : undefined,
  );
  const ctx = planContext(model, pairs, budget);
  const plan = planTraining(ctx, config);
  if (!plan.fits) throw new CliError(refusal(plan, memoryFixes(ctx, config)), 2);
  const of = budget.bytes === null ? '' : ` of ${formatBytes(budget.bytes)}`;
  console.log(
    `memory plan: ${formatBytes(plan.total)}${of} (${plan.textsInFlight} texts × ${plan.seqLength} tokens in flight)${plan.recompute ? '; gradient checkpointing on to fit' : ''}`,
  );
  return { ...plan, budget };
}

/** The plan's figures for the report, in bytes. */
function planSummary(plan: MemoryPlan) {
  const { weights, gradients, optimizer, activations, workspace, fragmentation, total, recompute } =
    plan;
  return { weights, gradients, optimizer, activations, workspace, fragmentation, total, recompute };
}

/** For margin-mse: the rows labelled by the cross-encoder, or by the data's score column. */
async function teacherLabels(
  pairs: TrainingPair[],
  config: TrainConfig,
  crossEncoderDir: string | undefined,
): Promise<TrainingPair[]> {
  if (config.loss !== 'margin-mse') return pairs;
  if (crossEncoderDir === undefined) return teacherMargins(pairs, null);
  const crossEncoder = await loadCrossEncoderDir(crossEncoderDir);
  console.log(`labelling ${pairs.length} rows with the cross-encoder's margins`);
  return teacherMargins(pairs, crossEncoder, { batchSize: config.batchSize }).finally(() =>
    crossEncoder.dispose(),
  );
}

export const train: Command = {
  name: 'train',
  summary:
    'Fine-tune a model folder on pairs with MNRL and AdamW; write a sentence-transformers folder',
  usage: USAGE,
  async run(argv) {
    const flags = parseFlags(argv, FLAGS);
    const modelDir = required(flags.model, 'model');
    const dataPath = required(flags.data, 'data');
    const outDir = required(flags.out, 'out');
    const config = configFrom(flags);
    const backend = await initBackend(flags.backend, flags.threads);
    const model = await loadModelDir(modelDir);
    // Prompts go in front of every text, as the `prompts` training argument of sentence-transformers ≥ 3 does.
    // The cross-encoder labels the texts as they are: prompts are the bi-encoder's.
    const prompts = retrievalPromptsFromFlags(model, flags);
    const pairs = promptPairs(
      await teacherLabels(
        (await readPairsFile(dataPath, flags['weight-column'])).filter(isRelevantPair),
        config,
        flags['cross-encoder'],
      ),
      prompts,
    );
    const resume = flags.resume ? await readCheckpoint(flags.resume) : undefined;

    let runModel;
    try {
      runModel = modelForRun(model, config);
    } catch (e) {
      throw new CliError((e as Error).message, 2);
    }
    const plan = checkMemory(runModel, pairs, config, backend);
    const encoder = new SentenceEncoder(runModel);
    encoder.recompute = plan.recompute;
    const trainer = new Trainer(encoder, pairs, config, resume);
    const losses: number[] = [];
    let pairsSeen = 0;
    let peakBytes = 0;
    let lastCheckpoint: string | null = flags.resume ?? null;
    const started = performance.now();
    console.log(
      `training ${trainer.totalSteps} steps on ${pairs.length} pairs (${backend})${resume ? `, resuming at step ${resume.step}` : ''}`,
    );
    const checkpointDir = join(outDir, 'checkpoints');
    const session = new TrainingSession(
      trainer,
      {
        checkpoints: fileCheckpointStore(checkpointDir),
        checkpointEvery: config.checkpointEvery,
        // The output folder holds the final weights; checkpoints are only for resuming.
        checkpointAtEnd: false,
        evalEvery: 0,
        runStep: async (step) => {
          const measured = await withPeakMemory(step);
          peakBytes = Math.max(peakBytes, measured.peakBytes);
          return measured.result;
        },
      },
      {
        onStep: (m) => {
          losses.push(m.loss);
          pairsSeen += m.pairs;
          console.log(
            `step ${m.step}/${m.totalSteps}  loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  ${(m.pairs / m.seconds).toFixed(1)} pairs/s`,
          );
        },
        onCheckpoint: (step) => {
          lastCheckpoint = join(checkpointDir, `step-${step}.safetensors`);
        },
      },
    );
    try {
      await session.run();
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      const where = lastCheckpoint
        ? `the last checkpoint is ${lastCheckpoint} (--resume it)`
        : 'no checkpoint was written (--checkpoint-every N keeps one)';
      const fix = memoryFixes(planContext(runModel, pairs, plan.budget), config)[0];
      throw new CliError(
        `ran out of ${backend} memory in step ${trainer.step + 1} (planned ${formatBytes(plan.total)}); ${where}${fix ? `; try ${fix.flags}` : ''}`,
        2,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const readme = modelCard({
      baseModel: basename(modelDir),
      dataset: { name: basename(dataPath), pairs: pairs.length },
      config,
      steps: trainer.totalSteps,
      date: new Date().toISOString().slice(0, 10),
      finalLoss: losses.at(-1),
    });
    const lora = trainer.lora ? await loraExport(trainer.lora, basename(modelDir)) : null;
    const weights = await encoder.exportWeights();
    await writeFolder(
      outDir,
      sentenceTransformersFolder(
        { ...runModel, prompts: recordRetrievalPrompts(model.prompts, prompts) },
        lora ? lora.merge(weights) : weights,
        { readme, onnx: flags.onnx ?? false, extraFiles: lora?.files },
      ),
    );
    trainer.dispose();
    encoder.dispose();
    if (flags.report) {
      const report = {
        losses,
        steps: trainer.totalSteps,
        seconds,
        pairsPerSecond: pairsSeen / seconds,
        peakBytes,
        plan: planSummary(plan),
        backend,
        // XNNPACK's threads on wasm; the other backends' kernels run on one.
        threads: backend === 'wasm' ? wasmThreadCount() : 1,
        config,
      };
      await writeOutput(flags.report, JSON.stringify(report, null, 2));
    }
    console.log(`wrote ${outDir} (${seconds.toFixed(1)} s)`);
    return 0;
  },
};
