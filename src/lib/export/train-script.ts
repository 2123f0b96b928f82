import type { TrainingPair } from '../data/pairs.ts';
import type { PromptConfig } from '../model/prompts.ts';
import type { TrainConfig } from '../train/config.ts';

export interface TrainScriptInput {
  config: TrainConfig;
  /** Hub id of the base model, or the name of a local model folder. */
  baseModel: string;
  /** Hub revision the run started from; ignored for a local base model. */
  baseRevision?: string;
  /** The base model is a folder the person brought, to be copied next to the script as `base-model/`. */
  baseIsLocal?: boolean;
  /** The prompts the run used when they are not the base model's own (chosen, or its authors'). */
  prompts?: PromptConfig;
  /** Tokens a text is truncated to in the run, when it differs from the model's own max_seq_length. */
  maxSeqLength?: number;
  /** File names next to the script (see `pairsJsonl`). */
  trainFile?: string;
  evalFile?: string;
  outputDir?: string;
}

export const TRAIN_SCRIPT_FILE = 'train.py';
/** Where a local base model goes, beside the script. */
export const LOCAL_BASE_FOLDER = 'base-model';

/**
 * The splits as the script reads them: one pair per line, `{"query", "positive", "negatives"}`
 * (TrainingPair's text fields), so that the script rebuilds the same training columns and the same
 * evaluation task (`retrievalTaskFromPairs`) as the run; a MarginMSE run's rows add the `labels`
 * (teacher margins, one per negative) it trained on.
 */
export function pairsJsonl(pairs: readonly TrainingPair[]): string {
  return pairs
    .map(
      (p) =>
        `${JSON.stringify({ query: p.query, positive: p.positive, negatives: p.negatives, ...(p.labels ? { labels: p.labels } : {}) })}\n`,
    )
    .join('');
}

/** A JavaScript value as a Python literal; JSON strings are valid Python strings. */
function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${value} has no Python literal here`);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `(${value.map(py).join(', ')}${value.length === 1 ? ',' : ''})`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`)
      .join(', ')}}`;
  throw new TypeError(`no Python literal for ${typeof value}`);
}

/** transformers' scheduler names for Attune's schedules (both warm up linearly first). */
const SCHEDULERS: Record<TrainConfig['schedule'], string> = {
  linear: 'linear',
  constant: 'constant_with_warmup',
};

function lossLine(c: TrainConfig): string {
  // MarginMSELoss on dot products, as GPL; GradCache only saved memory in the tab, so it has no
  // counterpart here.
  if (c.loss === 'margin-mse')
    return '    loss = losses.MarginMSELoss(model, similarity_fct=util.pairwise_dot_score)';
  const name = `${c.miniBatch ? 'Cached' : ''}MultipleNegatives${c.symmetric ? 'Symmetric' : ''}RankingLoss`;
  const cached = c.miniBatch ? ', mini_batch_size=MINI_BATCH_SIZE' : '';
  return `    loss = losses.${name}(model, scale=SCALE${cached})`;
}

/**
 * `train.py`: reruns the run with sentence-transformers' trainer — same loss and scale, the same
 * hyperparameters, no-duplicates batches, and an InformationRetrievalEvaluator on the held-out
 * queries against every document, as Attune evaluates — for data that outgrew the tab. It runs
 * as `python train.py`, `accelerate launch train.py` or `torchrun --nproc_per_node=N train.py`.
 */
export function trainScript(input: TrainScriptInput): string {
  const c = input.config;
  const trainFile = input.trainFile ?? 'train.jsonl';
  const evalFile = input.evalFile ?? 'eval.jsonl';
  const outputDir = input.outputDir ?? 'output';
  const width = Math.max(trainFile.length, evalFile.length);
  const base = input.baseIsLocal
    ? [
        `# The run started from the local model ${py(input.baseModel)}: copy its folder here.`,
        `BASE_MODEL = HERE / ${py(LOCAL_BASE_FOLDER)}`,
        'BASE_REVISION = None',
      ]
    : [
        `BASE_MODEL = ${py(input.baseModel)}`,
        `BASE_REVISION = ${py(input.baseRevision ?? 'main')}`,
      ];
  const dropout =
    c.dropout === null
      ? 'None  # None: the model config.json’s own dropout'
      : `${py(c.dropout)}  # hidden and attention dropout while training`;

  const lines = [
    '"""Reruns a fine-tuning run from Attune with sentence-transformers, on a GPU server or a cluster.',
    '',
    'Beside this script:',
    `  ${trainFile.padEnd(width)}  the training pairs, one JSON object per line:`,
    `  ${''.padEnd(width)}  {"query": …, "positive": …, "negatives": […]}`,
    `  ${evalFile.padEnd(width)}  the held-out pairs in the same form; their queries are ranked`,
    `  ${''.padEnd(width)}  against every document of both files, as Attune evaluates them`,
    '',
    'Run it with one of:',
    '  pip install "sentence-transformers>=3.4" datasets accelerate',
    '  python train.py                          # one GPU, or the CPU',
    '  accelerate launch train.py               # every GPU of this machine',
    '  torchrun --nproc_per_node=4 train.py     # the same, through torchrun',
    '',
    'With several GPUs each process draws its own batch of BATCH_SIZE pairs: a step then sees',
    'BATCH_SIZE × GPUs pairs, but in-batch negatives still come from one process’s batch.',
    '"""',
    '',
    'import json',
    'from pathlib import Path',
    '',
    'from datasets import Dataset',
    'from sentence_transformers import (',
    '    SentenceTransformer,',
    '    SentenceTransformerTrainer,',
    '    SentenceTransformerTrainingArguments,',
    '    losses,',
    ...(c.loss === 'margin-mse' ? ['    util,'] : []),
    ')',
    'from sentence_transformers.evaluation import InformationRetrievalEvaluator',
    'from sentence_transformers.training_args import BatchSamplers',
    '',
    'HERE = Path(__file__).resolve().parent',
    ...base,
    `TRAIN_FILE = HERE / ${py(trainFile)}`,
    `EVAL_FILE = HERE / ${py(evalFile)}`,
    `OUTPUT_DIR = HERE / ${py(outputDir)}`,
    '',
    '# The run’s settings (Attune’s TrainConfig).',
    `BATCH_SIZE = ${py(c.batchSize)}  # pairs per step; the others’ positives are in-batch negatives`,
    `LEARNING_RATE = ${py(c.lr)}`,
    `WARMUP_RATIO = ${py(c.warmupRatio)}`,
    `LR_SCHEDULER = ${py(SCHEDULERS[c.schedule])}`,
    `WEIGHT_DECAY = ${py(c.weightDecay)}${c.decayAll ? '  # on every parameter, biases and LayerNorm too' : '  # not on biases and LayerNorm weights'}`,
    `ADAM_EPSILON = ${py(c.adamEps)}`,
    `ADAM_BETAS = ${py(c.betas)}`,
    `MAX_GRAD_NORM = ${py(c.maxGradNorm)}  # 0: no clipping`,
    `EPOCHS = ${py(c.epochs)}`,
    `MAX_STEPS = ${py(c.steps ?? -1)}  # -1: run EPOCHS; otherwise exactly this many optimizer steps`,
    `SEED = ${py(c.seed)}`,
    `SCALE = ${py(c.scale)}  # similarity scale of the ranking loss`,
    ...(c.miniBatch
      ? [`MINI_BATCH_SIZE = ${py(c.miniBatch)}  # GradCache: texts embedded with gradients at once`]
      : []),
    `DROPOUT = ${dropout}`,
    input.prompts
      ? `PROMPTS = ${py(input.prompts.prompts)}  # what the run put in front of queries and documents`
      : 'PROMPTS = None  # None: the base model’s own (config_sentence_transformers.json)',
    ...(input.maxSeqLength ? [`MAX_SEQ_LENGTH = ${py(input.maxSeqLength)}`] : []),
    ...(c.checkpointEvery > 0
      ? [`SAVE_STEPS = ${py(c.checkpointEvery)}  # a checkpoint every SAVE_STEPS steps`]
      : []),
    ...(c.shuffle
      ? []
      : [
          '# Attune ran this without shuffling (file order); the no-duplicates sampler always shuffles',
          '# with SEED, so the batches differ from the run’s.',
        ]),
    '',
    '',
    'def read_pairs(path):',
    '    with open(path, encoding="utf-8") as f:',
    '        return [json.loads(line) for line in f if line.strip()]',
    '',
    '',
    'def pairs_dataset(pairs):',
    '    """Columns anchor, positive, negative_1…n (the loss reads them by position), and label: the',
    '    teacher margins of a MarginMSE run, one per negative (a number when there is one)."""',
    '    widths = sorted({len(p["negatives"]) for p in pairs})',
    '    if len(widths) > 1:',
    '        raise ValueError(f"{TRAIN_FILE.name}: every pair needs as many negatives; found {widths}")',
    '    columns = {"anchor": [p["query"] for p in pairs], "positive": [p["positive"] for p in pairs]}',
    '    for i in range(widths[0] if widths else 0):',
    '        columns[f"negative_{i + 1}"] = [p["negatives"][i] for p in pairs]',
    '    if pairs and "labels" in pairs[0]:',
    '        columns["label"] = [p["labels"] if len(p["labels"]) > 1 else p["labels"][0] for p in pairs]',
    '    return Dataset.from_dict(columns)',
    '',
    '',
    'def retrieval_prompts(model):',
    '    """Query and document prompts as encode_query / encode_document pick them."""',
    '    prompts = model.prompts',
    '    default = prompts.get(model.default_prompt_name, "") if model.default_prompt_name else ""',
    '    names = [n for n in ("document", "passage", "corpus") if n in prompts]',
    '    return prompts.get("query", default), prompts[names[0]] if names else default',
    '',
    '',
    'def column_prompts(dataset, query_prompt, document_prompt):',
    '    """The `prompts` training argument (sentence-transformers ≥ 3): queries get the query prompt,',
    '    positives and negatives the document prompt, prepended before tokenizing as Attune does."""',
    '    prompts = {c: query_prompt if c == "anchor" else document_prompt for c in dataset.column_names}',
    '    return {c: p for c, p in prompts.items() if p} or None',
    '',
    '',
    'def retrieval_evaluator(train_pairs, eval_pairs, query_prompt=None, corpus_prompt=None):',
    '    """The held-out queries ranked against every positive and negative text of both files."""',
    '    doc_ids, query_ids, relevant = {}, {}, {}',
    '    eval_queries = {p["query"] for p in eval_pairs}',
    '    for p in train_pairs + eval_pairs:',
    '        positive = doc_ids.setdefault(p["positive"], f"d{len(doc_ids)}")',
    '        for negative in p["negatives"]:',
    '            doc_ids.setdefault(negative, f"d{len(doc_ids)}")',
    '        if p["query"] in eval_queries:',
    '            query = query_ids.setdefault(p["query"], f"q{len(query_ids)}")',
    '            relevant.setdefault(query, set()).add(positive)',
    '    return InformationRetrievalEvaluator(',
    '        queries={q: text for text, q in query_ids.items()},',
    '        corpus={d: text for text, d in doc_ids.items()},',
    '        relevant_docs=relevant,',
    '        mrr_at_k=[10],',
    '        ndcg_at_k=[10],',
    '        accuracy_at_k=[1, 3, 5, 10],',
    '        precision_recall_at_k=[1, 3, 5, 10],',
    '        map_at_k=[100],',
    '        query_prompt=query_prompt or None,',
    '        corpus_prompt=corpus_prompt or None,',
    '        name="eval",',
    '    )',
    '',
    '',
    'def main():',
    '    dropout = {} if DROPOUT is None else {',
    '        "hidden_dropout_prob": DROPOUT,',
    '        "attention_probs_dropout_prob": DROPOUT,',
    '    }',
    '    model = SentenceTransformer(str(BASE_MODEL), revision=BASE_REVISION, config_kwargs=dropout)',
    ...(input.maxSeqLength ? ['    model.max_seq_length = MAX_SEQ_LENGTH'] : []),
    '    if PROMPTS is not None:',
    '        model.prompts = PROMPTS  # saved with the model, as the export writes them',
    '    query_prompt, document_prompt = retrieval_prompts(model)',
    lossLine(c),
    '    train_pairs = read_pairs(TRAIN_FILE)',
    '    eval_pairs = read_pairs(EVAL_FILE) if EVAL_FILE.exists() else []',
    '    train_dataset = pairs_dataset(train_pairs)',
    '    args = SentenceTransformerTrainingArguments(',
    '        output_dir=str(OUTPUT_DIR),',
    '        num_train_epochs=EPOCHS,',
    '        max_steps=MAX_STEPS,',
    '        per_device_train_batch_size=BATCH_SIZE,',
    '        learning_rate=LEARNING_RATE,',
    '        warmup_ratio=WARMUP_RATIO,',
    '        lr_scheduler_type=LR_SCHEDULER,',
    '        weight_decay=WEIGHT_DECAY,',
    '        adam_epsilon=ADAM_EPSILON,',
    '        adam_beta1=ADAM_BETAS[0],',
    '        adam_beta2=ADAM_BETAS[1],',
    '        max_grad_norm=MAX_GRAD_NORM,',
    '        seed=SEED,',
    '        batch_sampler=BatchSamplers.NO_DUPLICATES,',
    '        prompts=column_prompts(train_dataset, query_prompt, document_prompt),',
    ...(c.checkpointEvery > 0
      ? ['        save_strategy="steps",', '        save_steps=SAVE_STEPS,']
      : ['        save_strategy="no",  # the final model is saved below']),
    '        logging_steps=10,',
    '        report_to="none",',
    '    )',
    ...(c.decayAll
      ? [
          '    # Decay every parameter: transformers’ default optimizer spares biases and LayerNorm.',
          '    import torch',
          '',
          '    optimizer = torch.optim.AdamW(',
          '        model.parameters(),',
          '        lr=LEARNING_RATE,',
          '        betas=ADAM_BETAS,',
          '        eps=ADAM_EPSILON,',
          '        weight_decay=WEIGHT_DECAY,',
          '    )',
        ]
      : []),
    '    trainer = SentenceTransformerTrainer(',
    '        model=model,',
    '        args=args,',
    '        train_dataset=train_dataset,',
    '        loss=loss,',
    ...(c.decayAll ? ['        optimizers=(optimizer, None),'] : []),
    '    )',
    '    evaluator = (',
    '        retrieval_evaluator(train_pairs, eval_pairs, query_prompt, document_prompt)',
    '        if eval_pairs',
    '        else None',
    '    )',
    '    if evaluator and trainer.is_world_process_zero():',
    '        print("base model:", json.dumps(evaluator(model), indent=2))',
    '    trainer.train()',
    '    if trainer.is_world_process_zero():',
    '        if evaluator:',
    '            print("fine-tuned:", json.dumps(evaluator(model), indent=2))',
    '        model.save_pretrained(str(OUTPUT_DIR / "final"))',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
  ];
  return `${lines.join('\n')}\n`;
}
