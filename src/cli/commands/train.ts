import { basename, join } from 'node:path';
import { sentenceTransformersFolder } from '../../lib/export/folder.ts';
import { modelCard } from '../../lib/export/model-card.ts';
import { SentenceEncoder } from '../../lib/model/encoder.ts';
import { resolveTrainConfig, type TrainConfig } from '../../lib/train/config.ts';
import { TrainingSession } from '../../lib/train/session.ts';
import { Trainer, withDropout } from '../../lib/train/trainer.ts';
import { fileCheckpointStore, readCheckpoint } from '../checkpoints.ts';
import { CliError, numberFlag, parseFlags, required, type Command } from '../args.ts';
import {
  BACKEND_FLAG,
  BACKEND_USAGE,
  initBackend,
  loadModelDir,
  readPairsFile,
  writeFolder,
  writeOutput,
} from '../io.ts';

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
  --scale 20             MNRL similarity scale
  --symmetric            symmetric MNRL
  --no-shuffle           file order, batches wrapping around
  --dropout X            training dropout (default: config.json's)
  --seed N               seed of shuffling and dropout (default 42)
  --mini-batch N         GradCache: embed N at a time, same loss and gradients
  --checkpoint-every N   write DIR/checkpoints/step-N.safetensors every N steps
  --resume PATH          continue from a checkpoint file, or the latest in a checkpoints folder
  --report FILE.json     {"losses", "steps", "seconds", "pairsPerSecond", "backend", ...}
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
  symmetric: { type: 'boolean' },
  'no-shuffle': { type: 'boolean' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  'mini-batch': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'string' },
  report: { type: 'string' },
  ...BACKEND_FLAG,
} as const;

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

function configFrom(flags: Flags): TrainConfig {
  const d = resolveTrainConfig();
  const num = (flag: keyof Flags, fallback: number) =>
    numberFlag(flags[flag] as string | undefined, flag, fallback);
  const schedule = flags.schedule ?? d.schedule;
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
    });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
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
    const backend = await initBackend(flags.backend);
    const model = await loadModelDir(modelDir);
    const pairs = await readPairsFile(dataPath, flags['weight-column']);
    const resume = flags.resume ? await readCheckpoint(flags.resume) : undefined;

    const encoder = new SentenceEncoder(withDropout(model, config.dropout));
    const trainer = new Trainer(encoder, pairs, config, resume);
    const losses: number[] = [];
    let pairsSeen = 0;
    const started = performance.now();
    console.log(
      `training ${trainer.totalSteps} steps on ${pairs.length} pairs (${backend})${resume ? `, resuming at step ${resume.step}` : ''}`,
    );
    const session = new TrainingSession(
      trainer,
      {
        checkpoints: fileCheckpointStore(join(outDir, 'checkpoints')),
        checkpointEvery: config.checkpointEvery,
        // The output folder holds the final weights; checkpoints are only for resuming.
        checkpointAtEnd: false,
        evalEvery: 0,
      },
      {
        onStep: (m) => {
          losses.push(m.loss);
          pairsSeen += m.pairs;
          console.log(
            `step ${m.step}/${m.totalSteps}  loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  ${(m.pairs / m.seconds).toFixed(1)} pairs/s`,
          );
        },
      },
    );
    await session.run();
    const seconds = (performance.now() - started) / 1000;
    const readme = modelCard({
      baseModel: basename(modelDir),
      dataset: { name: basename(dataPath), pairs: pairs.length },
      config,
      steps: trainer.totalSteps,
      date: new Date().toISOString().slice(0, 10),
      finalLoss: losses.at(-1),
    });
    await writeFolder(
      outDir,
      sentenceTransformersFolder(model, await encoder.exportWeights(), { readme }),
    );
    trainer.dispose();
    encoder.dispose();
    if (flags.report) {
      const report = {
        losses,
        steps: trainer.totalSteps,
        seconds,
        pairsPerSecond: pairsSeen / seconds,
        backend,
        config,
      };
      await writeOutput(flags.report, JSON.stringify(report, null, 2));
    }
    console.log(`wrote ${outDir} (${seconds.toFixed(1)} s)`);
    return 0;
  },
};
