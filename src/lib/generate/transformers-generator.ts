/**
 * A `TextGenerator` on transformers.js' text-generation pipeline. Where the model files come
 * from is the caller's business (`env` settings): the browser reads them from the Cache Storage
 * our Hub code fills, the CLI from a local folder.
 */
import { pipeline, random, type TextGenerationPipeline } from '@huggingface/transformers';
import type { TextGenerator } from './generator.ts';
import type { GeneratorDtype } from './generator-files.ts';
import type { GeneratorDevice, SamplingSettings } from './settings.ts';

export interface GeneratorLoadOptions {
  device: GeneratorDevice;
  /** fp32 for the test fixture; quantised weights (q4f16) for real models on WebGPU. */
  dtype: GeneratorDtype;
  revision?: string;
}

export class TransformersGenerator implements TextGenerator {
  private constructor(private readonly pipe: TextGenerationPipeline) {}

  static async load(model: string, options: GeneratorLoadOptions): Promise<TransformersGenerator> {
    const pipe = await pipeline('text-generation', model, {
      device: options.device,
      dtype: options.dtype,
      revision: options.revision ?? 'main',
    });
    return new TransformersGenerator(pipe);
  }

  async continue(prompt: string, settings: SamplingSettings): Promise<string> {
    const sample = settings.temperature > 0;
    const output = await this.pipe(prompt, {
      max_new_tokens: settings.maxNewTokens,
      do_sample: sample,
      ...(sample ? { temperature: settings.temperature, top_p: settings.topP } : {}),
      return_full_text: false,
    });
    const first = (Array.isArray(output[0]) ? output[0][0] : output[0]) as
      { generated_text: unknown } | undefined;
    return typeof first?.generated_text === 'string' ? first.generated_text : '';
  }

  /** transformers.js samples from its global Mersenne Twister (`random`), Python's generator. */
  reseed(seed: number): void {
    random.seed(seed);
  }

  async dispose(): Promise<void> {
    await this.pipe.dispose();
  }
}
