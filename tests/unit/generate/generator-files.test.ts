import { describe, expect, it } from 'vitest';
import {
  checkGeneratorConfig,
  generatorDtype,
  generatorFiles,
} from '../../../src/lib/generate/generator-files.ts';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('generator files', () => {
  it('takes the dtype the repo declares, per device or for all, else the device default', () => {
    expect(generatorDtype({ 'transformers.js_config': { dtype: 'fp32' } }, 'webgpu')).toBe('fp32');
    expect(
      generatorDtype(
        { 'transformers.js_config': { dtype: { webgpu: 'fp16', wasm: 'q4' } } },
        'wasm',
      ),
    ).toBe('q4');
    expect(generatorDtype({ model_type: 'qwen2' }, 'webgpu')).toBe('q4f16');
    expect(generatorDtype({ model_type: 'qwen2' }, 'wasm')).toBe('q8');
  });

  it('lists the graph for the dtype, its optional external data, config and tokenizer', () => {
    expect(generatorFiles('q4f16')).toEqual([
      { path: 'config.json', required: true },
      { path: 'generation_config.json', required: false },
      { path: 'tokenizer_config.json', required: true },
      { path: 'tokenizer.json', required: true },
      { path: 'onnx/model_q4f16.onnx', required: true },
      { path: 'onnx/model_q4f16.onnx_data', required: false },
    ]);
    expect(generatorFiles('fp32')[4].path).toBe('onnx/model.onnx');
  });

  it('accepts any model_type and refuses a config without one', () => {
    expect(() => checkGeneratorConfig(bytes({ model_type: 'llama' }), 'a/b', 'main')).not.toThrow();
    expect(() => checkGeneratorConfig(bytes({ vocab_size: 3 }), 'a/b', 'main')).toThrow(
      'config.json of a/b at revision main: no "model_type": not a transformers model config',
    );
  });
});
