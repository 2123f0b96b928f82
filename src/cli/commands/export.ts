import { sentenceTransformersFolder } from '../../lib/export/folder.ts';
import { parseFlags, required, type Command } from '../args.ts';
import { directorySource } from '../fs-source.ts';
import { loadModelDir, writeFolder } from '../io.ts';
import { promptConfigFromFlags, SET_PROMPT_FLAGS, SET_PROMPT_USAGE } from '../prompt-flags.ts';

const USAGE = `--model DIR --out DIR [--onnx] [--set-prompt NAME=TEXT]... [--default-prompt NAME]

  --model DIR            sentence-transformers folder (a BERT-family model)
  --out DIR              receives the folder, written as the studio exports it (float32
                         safetensors, tokenizer files, modules, pooling, prompts, the model card)
  --onnx                 also write onnx/model.onnx (float32) and onnx/model_quantized.onnx
                         (8-bit), which transformers.js loads with dtype 'fp32' and 'q8'
${SET_PROMPT_USAGE}`;

export const exportCommand: Command = {
  name: 'export',
  summary:
    'Rewrite a model folder for sentence-transformers 2.2–6.x, with ONNX for transformers.js',
  usage: USAGE,
  async run(argv) {
    const flags = parseFlags(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      onnx: { type: 'boolean' },
      ...SET_PROMPT_FLAGS,
    });
    const modelDir = required(flags.model, 'model');
    const outDir = required(flags.out, 'out');
    const model = await loadModelDir(modelDir);
    const prompts = promptConfigFromFlags(model.prompts, flags);
    const readme = await directorySource(modelDir).read('README.md');
    const files = sentenceTransformersFolder({ ...model, prompts }, model.weights, {
      onnx: flags.onnx ?? false,
      readme: readme ? new TextDecoder().decode(readme) : undefined,
    });
    await writeFolder(outDir, files);
    const onnx = flags.onnx ? ' with onnx/model.onnx and onnx/model_quantized.onnx' : '';
    console.log(`wrote ${outDir}${onnx}`);
    return 0;
  },
};
