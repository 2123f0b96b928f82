import type { PromptConfig } from './prompts.ts';

/**
 * Prompts that model authors document on their model cards but whose Hub folders do not (all)
 * carry in config_sentence_transformers.json: e5 was trained with "query: " / "passage: "
 * prefixes on both sides, bge v1.5 with an instruction in front of retrieval queries only.
 */
const E5 = { prompts: { query: 'query: ', passage: 'passage: ' }, defaultPromptName: null };
const BGE_EN = {
  prompts: { query: 'Represent this sentence for searching relevant passages: ' },
  defaultPromptName: null,
};

export const KNOWN_PROMPTS: Readonly<Record<string, PromptConfig>> = Object.freeze({
  'intfloat/e5-small-v2': E5,
  'intfloat/e5-base-v2': E5,
  'intfloat/e5-large-v2': E5,
  'intfloat/e5-small': E5,
  'intfloat/e5-base': E5,
  'BAAI/bge-small-en-v1.5': BGE_EN,
  'BAAI/bge-base-en-v1.5': BGE_EN,
  'BAAI/bge-large-en-v1.5': BGE_EN,
});

export type PromptOrigin = 'chosen' | 'model' | 'known' | 'none';

/**
 * The prompts a model is used with, and where they come from: the person's own choice, else the
 * model's config_sentence_transformers.json, else what its authors document (`KNOWN_PROMPTS`).
 */
export function effectivePrompts(
  own: PromptConfig,
  repo: string | undefined,
  chosen: PromptConfig | undefined,
): { prompts: PromptConfig; origin: PromptOrigin } {
  if (chosen) return { prompts: chosen, origin: 'chosen' };
  if (Object.keys(own.prompts).length) return { prompts: own, origin: 'model' };
  const known = repo === undefined ? undefined : KNOWN_PROMPTS[repo];
  if (known) return { prompts: known, origin: 'known' };
  return { prompts: own, origin: 'none' };
}
