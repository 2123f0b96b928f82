/**
 * One model on one retrieval task, the same way wherever it runs (the CLI's `eval` and
 * `bakeoff`, the Evaluate page, the bake-off page): a warm-up batch, `evaluateRetrieval` with
 * the model's encoder, the corpus timed as it is embedded, and what the model costs to train.
 */
import {
  evaluateRetrieval,
  type Embedder,
  type RetrievalResult,
  type RetrievalStage,
  type RetrievalTask,
} from './retrieval.ts';
import { SentenceEncoder } from '../model/encoder.ts';
import type { SentenceModel } from '../model/folder.ts';
import { retrievalPrompts, withPrompt } from '../model/prompts.ts';
import { summarizeModel, type ModelSummary } from '../model/summary.ts';
import { estimateTrainingMemory } from '../train/memory-plan.ts';

/**
 * The memory column's training step: TrainConfig's default batch of 32 pairs, each text 128
 * tokens long (the Model page's default) or the model's limit when that is lower.
 */
export const MEMORY_STEP = Object.freeze({ batchSize: 32, tokens: 128 });

/** What the table shows about a model beside its metrics. */
export interface CandidateStats {
  parameters: number;
  /** Width of the sentence embedding (the pooled hidden size). */
  dimension: number;
  /** Tokens per text after truncation (`max_seq_length`). */
  maxTokens: number;
  /** Corpus texts embedded per second on this machine, over the whole corpus; null if unmeasured. */
  docsPerSecond: number | null;
  /** Bytes of one float32 training step at `MEMORY_STEP` (`estimateTrainingMemory`'s total). */
  trainingMemory: number;
}

/** The Model page's summary of a model plus what a memory estimate needs. */
export type CandidateSummary = ModelSummary & { intermediateSize: number };

export interface ModelEvaluation {
  result: RetrievalResult;
  stats: CandidateStats;
  summary: CandidateSummary;
}

export interface EvaluateModelOptions {
  batchSize?: number;
  /** `elapsedMs`: since the clock started, after the warm-up batch (a rate's denominator). */
  onProgress?: (stage: RetrievalStage, done: number, total: number, elapsedMs: number) => void;
  /** Milliseconds since some origin; `performance.now` unless a test stands in. */
  now?: () => number;
  /**
   * What embeds for the evaluation, given the model's encoder (which this function disposes):
   * the Evaluate page wraps it in the corpus-embedding cache. The encoder itself by default.
   */
  embedder?: (encoder: SentenceEncoder) => Embedder;
}

function candidateStats(summary: CandidateSummary, docsPerSecond: number | null): CandidateStats {
  const seqLength = Math.min(MEMORY_STEP.tokens, summary.maxSeqLength);
  const memory = estimateTrainingMemory(summary, { batchSize: MEMORY_STEP.batchSize, seqLength });
  return {
    parameters: summary.parameters,
    // Every pooling mode (mean, CLS, max) keeps the hidden size.
    dimension: summary.hiddenSize,
    maxTokens: summary.maxSeqLength,
    docsPerSecond,
    trainingMemory: memory.total,
  };
}

/**
 * One model on one task: `evaluateRetrieval` with the model's encoder, timing the corpus as it
 * is embedded. One batch of the corpus is embedded first and thrown away, so that the time is
 * the model's and not the backend's first-use cost (kernel compilation, buffer pools), which
 * would otherwise fall on whichever model runs first. The corpus is the first thing
 * `evaluateRetrieval` embeds, so the clock starts with the call and stops at the corpus's last
 * batch. The single-model evaluation (`eval`) and the bake-off both run this.
 */
export async function evaluateModel(
  model: SentenceModel,
  task: RetrievalTask,
  options: EvaluateModelOptions = {},
): Promise<ModelEvaluation> {
  const { batchSize = 32, onProgress, now = () => performance.now() } = options;
  const encoder = new SentenceEncoder(model);
  const embedder = options.embedder?.(encoder) ?? encoder;
  const prompts = retrievalPrompts(model.prompts);
  try {
    await encoder.embed(
      withPrompt(
        task.corpus.slice(0, batchSize).map((d) => d.text),
        prompts.document,
      ),
      { batchSize },
    );
    const start = now();
    let corpusMs = 0;
    const result = await evaluateRetrieval(embedder, task, {
      batchSize,
      prompts,
      onProgress: (stage, done, total) => {
        const elapsedMs = now() - start;
        if (stage === 'corpus' && done === total) corpusMs = elapsedMs;
        onProgress?.(stage, done, total, elapsedMs);
      },
    });
    const summary = { ...summarizeModel(model), intermediateSize: model.config.intermediate_size };
    const docsPerSecond = corpusMs > 0 ? task.corpus.length / (corpusMs / 1000) : null;
    return { result, stats: candidateStats(summary, docsPerSecond), summary };
  } finally {
    encoder.dispose();
  }
}
