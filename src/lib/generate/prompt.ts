/**
 * Few-shot prompts for query generation, Promptagator style (Dai et al. 2022): the generator sees
 * the person's real queries, with their documents where known, before the target document, so
 * the queries it writes copy their length, jargon, codes and abbreviations. The prompt is plain
 * text ending in `Query:`, which base and instruction-tuned models both continue with one query.
 */

/** A real query the person typed, and the document it should find when they know it. */
export interface ExampleQuery {
  query: string;
  document?: string;
}

export interface PromptOptions {
  /** Characters of each document shown: keeps the prompt inside a small model's context. */
  maxDocumentChars: number;
}

export const DEFAULT_PROMPT_OPTIONS: PromptOptions = { maxDocumentChars: 600 };

/** Fewer examples leave the style unanchored; more mostly lengthen the prompt (Promptagator used 8). */
export const MIN_EXAMPLES = 5;
export const MAX_EXAMPLES = 20;

const INSTRUCTION =
  'Write a search query that a user would type to find the document. ' +
  'Match the style of the example queries: their length, wording, jargon, codes and abbreviations.';

/** Collapses whitespace and cuts at a word boundary, marking the cut with an ellipsis. */
export function clipDocument(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars / 2 ? cut.slice(0, space) : cut}…`;
}

/**
 * The prompt for one document. Examples with a document become `Document:`/`Query:` shots;
 * examples without one are listed together as style samples before the shots.
 */
export function buildPrompt(
  examples: readonly ExampleQuery[],
  document: string,
  options: PromptOptions = DEFAULT_PROMPT_OPTIONS,
): string {
  const clip = (text: string) => clipDocument(text, options.maxDocumentChars);
  const bare = examples.filter((e) => e.document === undefined || e.document.trim() === '');
  const shots = examples.filter((e) => e.document !== undefined && e.document.trim() !== '');
  const parts = [INSTRUCTION];
  if (bare.length > 0) {
    parts.push(`Example queries:\n${bare.map((e) => `- ${e.query.trim()}`).join('\n')}`);
  }
  for (const shot of shots) {
    parts.push(`Document: ${clip(shot.document ?? '')}\nQuery: ${shot.query.trim()}`);
  }
  parts.push(`Document: ${clip(document)}\nQuery:`);
  return parts.join('\n\n');
}
