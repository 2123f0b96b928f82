import type { SentenceModel } from '../lib/model/folder.ts';
import {
  PromptError,
  recordRetrievalPrompts,
  resolvePrompt,
  retrievalPrompts,
  type PromptConfig,
  type RetrievalPrompts,
} from '../lib/model/prompts.ts';
import { CliError } from './args.ts';
import { loadModelDir } from './io.ts';

/** `embed`'s prompt flags: sentence-transformers' `encode(prompt_name=…, prompt=…)`. */
export const PROMPT_FLAGS = {
  'prompt-name': { type: 'string' },
  prompt: { type: 'string' },
} as const;

export const PROMPT_USAGE = `  --prompt-name NAME     prepend the model's prompt NAME (config_sentence_transformers.json)
  --prompt TEXT          prepend TEXT (wins over --prompt-name); neither: the default prompt, if any`;

/** The prompt `embed` prepends; an unknown name is the user's mistake (exit 64). */
export function promptFromFlags(
  config: PromptConfig,
  flags: { 'prompt-name'?: string; prompt?: string },
): string {
  try {
    return resolvePrompt(config, { name: flags['prompt-name'], text: flags.prompt });
  } catch (e) {
    if (e instanceof PromptError) throw new CliError(e.message);
    throw e;
  }
}

/** Prompt flags of every command that embeds queries and documents (eval, mine, bake-off, train, generate). */
export const RETRIEVAL_PROMPT_FLAGS = {
  'query-prompt': { type: 'string' },
  'document-prompt': { type: 'string' },
} as const;

export const RETRIEVAL_PROMPT_USAGE = `  --query-prompt TEXT    prepended to queries (default: the model's "query" prompt, if any)
  --document-prompt TEXT prepended to documents (default: the model's "document"/"passage"/"corpus" prompt)`;

/** What queries and documents get: the model's own prompts, as `encode_query`/`encode_document` pick them, unless a flag says otherwise. */
export function retrievalPromptsFromFlags(
  model: Pick<SentenceModel, 'prompts'>,
  flags: { 'query-prompt'?: string; 'document-prompt'?: string },
): RetrievalPrompts {
  const own = retrievalPrompts(model.prompts);
  return {
    query: flags['query-prompt'] ?? own.query,
    document: flags['document-prompt'] ?? own.document,
  };
}

/** `--set-prompt NAME=TEXT` (repeatable) and `--default-prompt NAME`: prompts an export writes. */
export const SET_PROMPT_FLAGS = {
  'set-prompt': { type: 'string', multiple: true },
  'default-prompt': { type: 'string' },
} as const;

export const SET_PROMPT_USAGE = `  --set-prompt NAME=TEXT add or replace a prompt in config_sentence_transformers.json (repeatable)
  --default-prompt NAME  the prompt encode() uses when none is named ("" for none)`;

/** The model's prompts with the flags' changes applied. */
export function promptConfigFromFlags(
  config: PromptConfig,
  flags: { 'set-prompt'?: string[]; 'default-prompt'?: string },
): PromptConfig {
  const prompts = { ...config.prompts };
  for (const entry of flags['set-prompt'] ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new CliError(`--set-prompt expects NAME=TEXT, got "${entry}"`);
    prompts[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const d = flags['default-prompt'];
  const defaultPromptName = d === undefined ? config.defaultPromptName : d === '' ? null : d;
  if (defaultPromptName !== null && !(defaultPromptName in prompts))
    throw new CliError(
      `--default-prompt "${defaultPromptName}" is not one of the prompts (${Object.keys(prompts).join(', ') || 'none'})`,
    );
  return { prompts, defaultPromptName };
}

/** A model folder with `--query-prompt` / `--document-prompt` applied over its own prompts. */
export async function loadPromptedModel(
  dir: string,
  flags: { 'query-prompt'?: string; 'document-prompt'?: string },
): Promise<SentenceModel> {
  const model = await loadModelDir(dir);
  return {
    ...model,
    prompts: recordRetrievalPrompts(model.prompts, retrievalPromptsFromFlags(model, flags)),
  };
}
