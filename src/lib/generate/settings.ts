/** How the generator samples, and how many queries it asks for per document. */
export interface SamplingSettings {
  /** 0 decodes greedily (the same query every time); ~0.7 varies wording while staying on topic. */
  temperature: number;
  /** Nucleus sampling: sample from the smallest token set holding this much probability. */
  topP: number;
  /** A query is rarely over 32 tokens; the cap bounds the time a rambling model can take. */
  maxNewTokens: number;
  /** Queries per document: GPL uses 3; more mostly adds near-duplicates. */
  perDocument: number;
  /** Document d samples from seed + d, so a resumed job writes what an uninterrupted one would. */
  seed: number;
}

export const DEFAULT_SAMPLING: SamplingSettings = {
  temperature: 0.7,
  topP: 0.95,
  maxNewTokens: 32,
  perDocument: 3,
  seed: 42,
};

/**
 * The default generator: Qwen2.5-0.5B-Instruct in the ONNX layout transformers.js loads. At 0.5B
 * parameters (q4f16 ≈ 0.5 GB) it fits a laptop GPU's memory and generates a short query in well
 * under a second on WebGPU, while following a few-shot prompt far better than 100M-class models.
 */
export const DEFAULT_GENERATOR = 'onnx-community/Qwen2.5-0.5B-Instruct';

/** Where transformers.js runs the generator: WebGPU in the tab, wasm without it, cpu in Node. */
export type GeneratorDevice = 'webgpu' | 'wasm' | 'cpu';
