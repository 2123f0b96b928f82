/**
 * Prompts as sentence-transformers keeps them: `config_sentence_transformers.json` holds
 * `prompts` (name → text, e.g. `{"query": "query: ", "document": "passage: "}`) and
 * `default_prompt_name`. `encode(texts, prompt_name=…, prompt=…)` prepends the prompt to every
 * text before tokenizing; an explicit `prompt` wins over `prompt_name`, which wins over the
 * default. `encode_query` picks the prompt named "query", `encode_document` the first of
 * "document", "passage", "corpus"; either falls back to the default.
 */
import type { TrainingPair } from '../data/pairs.ts';
import { ModelFormatError } from './errors.ts';

export interface PromptConfig {
  prompts: Record<string, string>;
  defaultPromptName: string | null;
}

export const NO_PROMPTS: PromptConfig = Object.freeze({ prompts: {}, defaultPromptName: null });

/** The prompt names `encode_document` tries, in order. */
export const DOCUMENT_PROMPT_NAMES = ['document', 'passage', 'corpus'] as const;

/** A prompt name the model does not define. */
export class PromptError extends Error {
  override name = 'PromptError';
}

/** Reads `prompts` and `default_prompt_name` from config_sentence_transformers.json (absent: none). */
export function parsePromptConfig(
  raw: unknown,
  file = 'config_sentence_transformers.json',
): PromptConfig {
  if (raw === null || raw === undefined) return NO_PROMPTS;
  const c = raw as { prompts?: unknown; default_prompt_name?: unknown };
  const prompts: Record<string, string> = {};
  if (c.prompts !== undefined && c.prompts !== null) {
    if (typeof c.prompts !== 'object' || Array.isArray(c.prompts))
      throw new ModelFormatError(file, '"prompts" must be an object of name → prompt text');
    for (const [name, text] of Object.entries(c.prompts)) {
      if (typeof text !== 'string')
        throw new ModelFormatError(file, `prompt "${name}" must be a string`);
      prompts[name] = text;
    }
  }
  const d = c.default_prompt_name ?? null;
  if (d !== null && (typeof d !== 'string' || !(d in prompts)))
    throw new ModelFormatError(
      file,
      `default_prompt_name ${JSON.stringify(d)} is not one of the prompts (${Object.keys(prompts).join(', ') || 'none'})`,
    );
  return { prompts, defaultPromptName: d };
}

/** The `prompts` / `default_prompt_name` fields as sentence-transformers writes them. */
export function promptConfigJson(config: PromptConfig): Record<string, unknown> {
  return { prompts: { ...config.prompts }, default_prompt_name: config.defaultPromptName };
}

export interface PromptRequest {
  /** A prompt name from the model's config (`prompt_name`). */
  name?: string;
  /** Prompt text used as it is (`prompt`); wins over `name`. */
  text?: string;
}

/** The prompt `encode` prepends for a request: text, else the named prompt, else the default, else "". */
export function resolvePrompt(config: PromptConfig, request: PromptRequest = {}): string {
  if (request.text !== undefined) return request.text;
  const name = request.name ?? config.defaultPromptName;
  if (name === null) return '';
  const text = config.prompts[name];
  if (text === undefined) {
    const known = Object.keys(config.prompts);
    throw new PromptError(
      `prompt "${name}" is not defined by the model; ${known.length ? `it has ${known.map((k) => `"${k}"`).join(', ')}` : 'it defines no prompts'}`,
    );
  }
  return text;
}

/** What queries and documents get in retrieval: `encode_query` and `encode_document`'s choice. */
export interface RetrievalPrompts {
  query: string;
  document: string;
}

export function retrievalPrompts(config: PromptConfig): RetrievalPrompts {
  const fallback = resolvePrompt(config);
  const docName = DOCUMENT_PROMPT_NAMES.find((n) => n in config.prompts);
  return {
    query: config.prompts.query ?? fallback,
    document: docName ? config.prompts[docName] : fallback,
  };
}

/**
 * `config` with the query and document prompts set to `used` (what a run applied), under the names
 * `encode_query`/`encode_document` look for, so the exported folder embeds as it was trained.
 */
export function recordRetrievalPrompts(config: PromptConfig, used: RetrievalPrompts): PromptConfig {
  const own = retrievalPrompts(config);
  if (own.query === used.query && own.document === used.document) return config;
  const prompts: Record<string, string> = { ...config.prompts, query: used.query };
  const docName = DOCUMENT_PROMPT_NAMES.find((n) => n in config.prompts) ?? 'document';
  prompts[docName] = used.document;
  return { ...config, prompts };
}

export function withPrompt(texts: readonly string[], prompt: string): string[] {
  return prompt ? texts.map((t) => prompt + t) : [...texts];
}

/**
 * Training pairs with the prompts prepended, as sentence-transformers ≥ 3 does with the
 * `prompts` training argument (`{"query": query_prompt, "positive": doc_prompt, "negative": …}`):
 * the query column gets the query prompt, positives and negatives the document prompt.
 */
export function promptPairs(
  pairs: readonly TrainingPair[],
  prompts: RetrievalPrompts,
): TrainingPair[] {
  if (!prompts.query && !prompts.document) return [...pairs];
  return pairs.map((p) => ({
    ...p,
    query: prompts.query + p.query,
    positive: prompts.document + p.positive,
    negatives: p.negatives.map((n) => prompts.document + n),
  }));
}
