import type { BertConfig } from '../../model/config.ts';
import type { NamedTensor } from '../../model/safetensors.ts';
import type { FolderFiles } from '../folder.ts';
import { bertOnnx } from './bert-graph.ts';

/**
 * The `onnx/` folder transformers.js reads beside config.json and the tokenizer files:
 * `model.onnx` for `dtype: 'fp32'`, `model_quantized.onnx` for `dtype: 'q8'`. sentence-transformers
 * (≥ 3.2, `backend="onnx"`) loads the same `onnx/model.onnx`.
 */
export function onnxFiles(config: BertConfig, weights: Map<string, NamedTensor>): FolderFiles {
  return new Map([
    ['onnx/model.onnx', bertOnnx(config, weights, 'fp32')],
    ['onnx/model_quantized.onnx', bertOnnx(config, weights, 'q8')],
  ]);
}
