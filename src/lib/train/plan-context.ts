import type { TrainingPair } from '../data/pairs.ts';
import type { SentenceModel } from '../model/folder.ts';
import type { MemoryBudget, PlanContext } from './memory-plan.ts';

/** Texts tokenized to find the longest: the longest by characters are the longest in tokens, near enough. */
const LONGEST_CANDIDATES = 64;

/** Tokens (with [CLS] and [SEP], untruncated up to the positions) of the longest text in `texts`. */
export function longestTextTokens(model: SentenceModel, texts: string[]): number {
  const longest = [...texts].sort((a, b) => b.length - a.length).slice(0, LONGEST_CANDIDATES);
  const limit = model.config.max_position_embeddings;
  return Math.max(2, ...longest.map((t) => model.tokenizer.encode(t, limit).length));
}

/** The plan's view of a model and a training set: shape, token lengths, columns. */
export function planContext(
  model: SentenceModel,
  pairs: TrainingPair[],
  budget: MemoryBudget,
): PlanContext {
  let parameters = 0;
  for (const t of model.weights.values()) parameters += t.data.length;
  const c = model.config;
  const negatives = Math.min(...pairs.map((p) => p.negatives.length));
  const texts = pairs.flatMap((p) => [p.query, p.positive, ...p.negatives.slice(0, negatives)]);
  return {
    shape: {
      parameters,
      layers: c.num_hidden_layers,
      hiddenSize: c.hidden_size,
      heads: c.num_attention_heads,
      intermediateSize: c.intermediate_size,
      vocabSize: c.vocab_size,
    },
    modelMaxSeqLength: model.maxSeqLength,
    longestText: longestTextTokens(model, texts),
    columns: 2 + (Number.isFinite(negatives) ? negatives : 0),
    budget,
  };
}
