import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseEvalQueries } from '../../../src/lib/data/split.ts';
import { retrievalTaskFromPairs } from '../../../src/lib/eval/pairs-task.ts';
import {
  pairsJsonl,
  trainScript,
  type TrainScriptInput,
} from '../../../src/lib/export/train-script.ts';
import { resolveTrainConfig } from '../../../src/lib/train/config.ts';
import { fixtureTrainingPairs } from '../model/reference.ts';

const PAIRS = fixtureTrainingPairs();

/** python3 when the machine has it: the script's syntax and its data handling are checked by Python itself. */
const PYTHON = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;

function writeScript(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'attune-train-py-'));
  writeFileSync(join(dir, 'train.py'), text);
  return dir;
}

/** The script's lines without trailing `  # …` comments. */
const withoutComments = (script: string) =>
  script.split('\n').map((l) => l.split('  #')[0].trimEnd());

function assertPythonSyntax(file: string): void {
  execFileSync(PYTHON!, ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file]);
}

/** The default run, as the Train page starts it. */
const DEFAULT_RUN: TrainScriptInput = {
  config: resolveTrainConfig(),
  baseModel: 'sentence-transformers/all-MiniLM-L6-v2',
  baseRevision: 'c9745ed1d9f207416be6d2e6f8de32d1f16199bf',
};

/** A run that changes every setting the script carries. */
const CHANGED_RUN: TrainScriptInput = {
  config: resolveTrainConfig({
    batchSize: 256,
    lr: 3e-5,
    warmupRatio: 0.05,
    weightDecay: 0.1,
    decayAll: true,
    adamEps: 1e-8,
    betas: [0.9, 0.98],
    schedule: 'constant',
    maxGradNorm: 0.5,
    scale: 30,
    symmetric: true,
    steps: 1200,
    seed: 7,
    dropout: 0.05,
    miniBatch: 32,
    shuffle: false,
    checkpointEvery: 400,
  }),
  baseModel: 'my-domain-model',
  baseIsLocal: true,
  maxSeqLength: 128,
  trainFile: 'splits/train.jsonl',
};

/** A GPL-style run: MarginMSE on a reranker's margins. */
const MARGIN_MSE_RUN: TrainScriptInput = {
  ...DEFAULT_RUN,
  config: resolveTrainConfig({ loss: 'margin-mse' }),
};

describe('train.py', () => {
  it('carries the default run’s loss, hyperparameters, sampler and evaluator', () => {
    const script = trainScript(DEFAULT_RUN);
    for (const line of [
      'BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"',
      'BASE_REVISION = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"',
      'TRAIN_FILE = HERE / "train.jsonl"',
      'EVAL_FILE = HERE / "eval.jsonl"',
      'BATCH_SIZE = 32',
      'LEARNING_RATE = 0.00002',
      'WARMUP_RATIO = 0.1',
      'LR_SCHEDULER = "linear"',
      'WEIGHT_DECAY = 0.01',
      'ADAM_EPSILON = 0.000001',
      'ADAM_BETAS = (0.9, 0.999)',
      'MAX_GRAD_NORM = 1',
      'EPOCHS = 1',
      'MAX_STEPS = -1',
      'SEED = 42',
      'SCALE = 20',
      'DROPOUT = None',
      '    loss = losses.MultipleNegativesRankingLoss(model, scale=SCALE)',
      '        batch_sampler=BatchSamplers.NO_DUPLICATES,',
      '        max_grad_norm=MAX_GRAD_NORM,',
      '        lr_scheduler_type=LR_SCHEDULER,',
      '    return InformationRetrievalEvaluator(',
    ]) {
      expect(withoutComments(script), line).toContain(line);
    }
    expect(script).not.toContain('torch.optim.AdamW');
    expect(script).not.toContain('MINI_BATCH_SIZE');
  });

  it('follows every changed setting: GradCache, symmetric, steps, constant schedule, decay-all', () => {
    const script = trainScript(CHANGED_RUN);
    const lines = withoutComments(script);
    for (const line of [
      'BASE_MODEL = HERE / "base-model"',
      'BASE_REVISION = None',
      'TRAIN_FILE = HERE / "splits/train.jsonl"',
      'BATCH_SIZE = 256',
      'LEARNING_RATE = 0.00003',
      'WARMUP_RATIO = 0.05',
      'LR_SCHEDULER = "constant_with_warmup"',
      'WEIGHT_DECAY = 0.1',
      'ADAM_EPSILON = 1e-8',
      'ADAM_BETAS = (0.9, 0.98)',
      'MAX_GRAD_NORM = 0.5',
      'MAX_STEPS = 1200',
      'SEED = 7',
      'SCALE = 30',
      'MINI_BATCH_SIZE = 32',
      'DROPOUT = 0.05',
      'MAX_SEQ_LENGTH = 128',
      'SAVE_STEPS = 400',
      '    model.max_seq_length = MAX_SEQ_LENGTH',
      '    loss = losses.CachedMultipleNegativesSymmetricRankingLoss(model, scale=SCALE, mini_batch_size=MINI_BATCH_SIZE)',
      '    optimizer = torch.optim.AdamW(',
      '        optimizers=(optimizer, None),',
      '        save_steps=SAVE_STEPS,',
    ]) {
      expect(lines, line).toContain(line);
    }
    expect(script).toContain('"my-domain-model"');
    expect(script).toContain('without shuffling');
  });

  it('trains a MarginMSE run with MarginMSELoss on dot products and its labels as the label column', () => {
    const script = trainScript(MARGIN_MSE_RUN);
    const lines = withoutComments(script);
    for (const line of [
      '    loss = losses.MarginMSELoss(model, similarity_fct=util.pairwise_dot_score)',
      '    util,',
      '        columns["label"] = [p["labels"] if len(p["labels"]) > 1 else p["labels"][0] for p in pairs]',
    ])
      expect(lines, line).toContain(line);
    expect(script).not.toContain('MultipleNegativesRankingLoss');
    const labelled = pairsJsonl([
      { query: 'q', positive: 'p', negatives: ['n1', 'n2'], labels: [1.5, -0.25] },
    ]);
    expect(JSON.parse(labelled)).toEqual({
      query: 'q',
      positive: 'p',
      negatives: ['n1', 'n2'],
      labels: [1.5, -0.25],
    });
  });

  it.skipIf(!PYTHON)('parses as Python (needs python3 on PATH)', () => {
    for (const run of [DEFAULT_RUN, CHANGED_RUN, MARGIN_MSE_RUN]) {
      assertPythonSyntax(join(writeScript(trainScript(run)), 'train.py'));
    }
  });

  it('writes the splits as JSON Lines, one pair per line', () => {
    const jsonl = pairsJsonl(PAIRS);
    expect(
      jsonl
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(PAIRS.map((p) => ({ query: p.query, positive: p.positive, negatives: p.negatives })));
  });

  it.skipIf(!PYTHON)(
    'rebuilds the run’s training columns and evaluation task from the JSONL splits (needs python3 on PATH)',
    () => {
      const evalQueries = chooseEvalQueries(
        PAIRS.map((p) => p.query),
        { evalFraction: 0.25 },
      );
      const train = PAIRS.filter((p) => !evalQueries.has(p.query));
      const held = PAIRS.filter((p) => evalQueries.has(p.query));
      const jsonl = pairsJsonl(train);

      // Runs the script's own functions under Python with the third-party imports stubbed (the
      // evaluator and Dataset just return what they are given), and compares with Attune's task.
      const dir = writeScript(trainScript({ config: resolveTrainConfig(), baseModel: 'x/y' }));
      writeFileSync(join(dir, 'train.jsonl'), jsonl);
      writeFileSync(join(dir, 'eval.jsonl'), pairsJsonl(held));
      const probe = `
import json, runpy, sys, types
def stub(name, **attrs):
    module = types.ModuleType(name); module.__dict__.update(attrs); sys.modules[name] = module
stub("datasets", Dataset=types.SimpleNamespace(from_dict=lambda columns: columns))
stub("sentence_transformers", SentenceTransformer=None, SentenceTransformerTrainer=None,
     SentenceTransformerTrainingArguments=None, losses=None)
stub("sentence_transformers.evaluation", InformationRetrievalEvaluator=lambda **kw: kw)
stub("sentence_transformers.training_args", BatchSamplers=None)
g = runpy.run_path(sys.argv[1] + "/train.py", run_name="probe")
train, held = g["read_pairs"](g["TRAIN_FILE"]), g["read_pairs"](g["EVAL_FILE"])
ev = g["retrieval_evaluator"](train, held)
ev["relevant_docs"] = {q: sorted(d) for q, d in ev["relevant_docs"].items()}
print(json.dumps({"evaluator": ev, "dataset": g["pairs_dataset"](train)}))
`;
      const out = JSON.parse(execFileSync(PYTHON!, ['-c', probe, dir], { encoding: 'utf8' })) as {
        evaluator: {
          queries: Record<string, string>;
          corpus: Record<string, string>;
          relevant_docs: Record<string, string[]>;
          ndcg_at_k: number[];
          mrr_at_k: number[];
          map_at_k: number[];
        };
        dataset: Record<string, string[]>;
      };
      expect(out.dataset).toEqual({
        anchor: train.map((p) => p.query),
        positive: train.map((p) => p.positive),
        negative_1: train.map((p) => p.negatives[0]),
      });
      const task = retrievalTaskFromPairs([...train, ...held], evalQueries);
      expect(out.evaluator.queries).toEqual(
        Object.fromEntries(task.queries.map((q) => [q.id, q.text])),
      );
      expect(out.evaluator.corpus).toEqual(
        Object.fromEntries(task.corpus.map((d) => [d.id, d.text])),
      );
      expect(out.evaluator.relevant_docs).toEqual(
        Object.fromEntries([...task.relevant].map(([q, docs]) => [q, [...docs].sort()])),
      );
      expect([out.evaluator.ndcg_at_k, out.evaluator.mrr_at_k, out.evaluator.map_at_k]).toEqual([
        [10],
        [10],
        [100],
      ]);
    },
  );

  it('carries the run’s prompts into the trainer’s prompts argument and the evaluator', () => {
    const script = trainScript({
      config: resolveTrainConfig(),
      baseModel: 'intfloat/e5-small-v2',
      prompts: { prompts: { query: 'query: ', passage: 'passage: ' }, defaultPromptName: null },
    });
    expect(withoutComments(script)).toContain(
      'PROMPTS = {"query": "query: ", "passage": "passage: "}',
    );
    expect(withoutComments(script)).toContain(
      '        prompts=column_prompts(train_dataset, query_prompt, document_prompt),',
    );
    const plain = trainScript({ config: resolveTrainConfig(), baseModel: 'x/y' });
    expect(withoutComments(plain)).toContain('PROMPTS = None');
  });

  it.skipIf(!PYTHON)(
    'picks encode_query / encode_document prompts per training column (needs python3 on PATH)',
    () => {
      const script = trainScript({
        config: resolveTrainConfig(),
        baseModel: 'intfloat/e5-small-v2',
        prompts: { prompts: { query: 'query: ', passage: 'passage: ' }, defaultPromptName: null },
      });

      // encode_query / encode_document's choice of prompt, and the per-column training argument.
      const dir = writeScript(script);
      const probe = `
import json, runpy, sys, types
def stub(name, **attrs):
    module = types.ModuleType(name); module.__dict__.update(attrs); sys.modules[name] = module
stub("datasets", Dataset=None)
stub("sentence_transformers", SentenceTransformer=None, SentenceTransformerTrainer=None,
     SentenceTransformerTrainingArguments=None, losses=None)
stub("sentence_transformers.evaluation", InformationRetrievalEvaluator=lambda **kw: kw)
stub("sentence_transformers.training_args", BatchSamplers=None)
g = runpy.run_path(sys.argv[1] + "/train.py", run_name="probe")
model = types.SimpleNamespace(prompts=g["PROMPTS"], default_prompt_name=None)
dataset = types.SimpleNamespace(column_names=["anchor", "positive", "negative_1"])
q, d = g["retrieval_prompts"](model)
bge = types.SimpleNamespace(prompts={"query": "Represent: "}, default_prompt_name=None)
print(json.dumps({
    "e5": g["column_prompts"](dataset, q, d),
    "bge": g["column_prompts"](dataset, *g["retrieval_prompts"](bge)),
    "none": g["column_prompts"](dataset, "", ""),
}))
`;
      const out = JSON.parse(execFileSync(PYTHON!, ['-c', probe, dir], { encoding: 'utf8' }));
      expect(out).toEqual({
        e5: { anchor: 'query: ', positive: 'passage: ', negative_1: 'passage: ' },
        bge: { anchor: 'Represent: ' },
        none: null,
      });
    },
  );
});
