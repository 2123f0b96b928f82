import { z } from 'zod';
import { ModelFormatError, UnsupportedModelError } from './errors.ts';

/** The fields of HF `BertConfig` the encoder uses; everything else in config.json is carried through untouched. */
const BertConfigSchema = z.object({
  model_type: z.literal('bert'),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  hidden_act: z.literal('gelu').default('gelu'),
  hidden_dropout_prob: z.number().min(0).max(1).default(0.1),
  attention_probs_dropout_prob: z.number().min(0).max(1).default(0.1),
  max_position_embeddings: z.number().int().positive(),
  type_vocab_size: z.number().int().positive().default(2),
  layer_norm_eps: z.number().positive().default(1e-12),
  position_embedding_type: z.literal('absolute').default('absolute'),
});

export type BertConfig = z.infer<typeof BertConfigSchema>;

/** `model_type` values the encoder implements (HF `BertModel`); the Hub loader refuses others before fetching weights. */
export const SUPPORTED_MODEL_TYPES = ['bert'] as const;

/**
 * Validates config.json. Another architecture is refused by name before anything else is read,
 * so a user who picks an XLM-R or MPNet model learns at once what Attune can train.
 */
export function parseBertConfig(raw: unknown, file = 'config.json'): BertConfig {
  if (typeof raw !== 'object' || raw === null)
    throw new ModelFormatError(file, 'is not a JSON object');
  const modelType = (raw as { model_type?: unknown }).model_type;
  if (modelType !== 'bert')
    throw new UnsupportedModelError(
      file,
      `model_type ${JSON.stringify(modelType ?? null)} is not supported; Attune trains BERT-family models (model_type "bert")`,
    );
  const parsed = BertConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(root)';
    throw new ModelFormatError(file, `field "${where}": ${issue.message}`);
  }
  if (parsed.data.hidden_size % parsed.data.num_attention_heads !== 0)
    throw new ModelFormatError(
      file,
      `hidden_size ${parsed.data.hidden_size} is not a multiple of num_attention_heads ${parsed.data.num_attention_heads}`,
    );
  return parsed.data;
}
