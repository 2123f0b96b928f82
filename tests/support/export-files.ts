/**
 * The files of a sentence-transformers folder as Attune writes it (docs/DESIGN.md, "Export
 * folder"), sorted as `Array.prototype.sort` sorts them: with the model card unless `readme` is
 * false, with the `2_Normalize/` directory when `normalize` is true.
 */
export function exportedFiles(options: { readme?: boolean; normalize?: boolean } = {}): string[] {
  const files = [
    '1_Pooling/config.json',
    'config.json',
    'config_sentence_transformers.json',
    'model.safetensors',
    'modules.json',
    'sentence_bert_config.json',
    'special_tokens_map.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'vocab.txt',
  ];
  if (options.readme ?? true) files.push('README.md');
  if (options.normalize) files.push('2_Normalize/');
  return files.sort();
}
