import type { SentenceModel } from './folder.ts';
import type { PromptConfig } from './prompts.ts';

/** What the studio shows about a loaded model. */
export interface ModelSummary {
  source: string;
  parameters: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  vocabSize: number;
  maxSeqLength: number;
  pooling: SentenceModel['pooling'];
  normalize: boolean;
  /** The model's own prompts (config_sentence_transformers.json); absent in selections saved before prompts. */
  prompts?: PromptConfig;
}

export function summarizeModel(model: SentenceModel): ModelSummary {
  let parameters = 0;
  for (const t of model.weights.values()) parameters += t.data.length;
  return {
    source: model.source,
    parameters,
    hiddenSize: model.config.hidden_size,
    layers: model.config.num_hidden_layers,
    heads: model.config.num_attention_heads,
    vocabSize: model.config.vocab_size,
    maxSeqLength: model.maxSeqLength,
    pooling: model.pooling,
    normalize: model.normalize,
    prompts: model.prompts,
  };
}
