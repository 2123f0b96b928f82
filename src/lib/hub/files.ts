/** A file a model folder may have, and whether loading fails without it. */
export interface ModelFileSpec {
  path: string;
  required: boolean;
}

/**
 * What `SentenceTransformer(path)` reads from a BERT-based folder. config.json is read first
 * (it decides whether to go on); the weights come last in the list as they dominate the time.
 */
export const SENTENCE_TRANSFORMERS_FILES: readonly ModelFileSpec[] = [
  { path: 'config.json', required: true },
  { path: 'tokenizer.json', required: true },
  { path: 'tokenizer_config.json', required: false },
  { path: 'special_tokens_map.json', required: false },
  { path: 'vocab.txt', required: false },
  { path: 'modules.json', required: false },
  { path: 'sentence_bert_config.json', required: false },
  { path: 'config_sentence_transformers.json', required: false },
  { path: '1_Pooling/config.json', required: false },
  { path: 'model.safetensors', required: true },
];

/**
 * What `CrossEncoder(path)` reads from a `BertForSequenceClassification` folder: no
 * sentence-transformers modules, the tokenizer files and the weights.
 */
export const CROSS_ENCODER_FILES: readonly ModelFileSpec[] = [
  { path: 'config.json', required: true },
  { path: 'tokenizer.json', required: true },
  { path: 'tokenizer_config.json', required: false },
  { path: 'special_tokens_map.json', required: false },
  { path: 'vocab.txt', required: false },
  { path: 'model.safetensors', required: true },
];
