/**
 * Generated text → queries. A model continues the prompt's `Query:` with one or more lines; each
 * line is a candidate once its list marker, `Query:` label and surrounding quotes are gone. The
 * continuation ends where the model starts a new shot (`Document:`) or a blank line.
 */
export interface ParseOptions {
  /** Shorter queries carry no intent (a stray "a" or "?"). */
  minChars: number;
  /** Longer ones are paragraphs, not queries. */
  maxChars: number;
  /** Queries kept from one continuation. */
  maxQueries: number;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = { minChars: 3, maxChars: 200, maxQueries: 1 };

const LIST_MARKER = /^(?:\d{1,3}[.):]\s*|[-*•]\s+)/;
const LABEL = /^query\s*\d*\s*:\s*/i;
const QUOTES: readonly [string, string][] = [
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
  ['`', '`'],
];

/** One line without its list marker, label and enclosing quotes; whitespace collapsed. */
export function cleanQueryLine(line: string): string {
  let text = line.replace(/\s+/g, ' ').trim();
  text = text.replace(LIST_MARKER, '').replace(LABEL, '').trim();
  for (const [open, close] of QUOTES) {
    if (text.length >= 2 && text.startsWith(open) && text.endsWith(close)) {
      text = text.slice(open.length, text.length - close.length).trim();
    }
  }
  return text;
}

/** The queries in one continuation, in order, within the length limits. */
export function parseGeneratedQueries(
  text: string,
  options: ParseOptions = DEFAULT_PARSE_OPTIONS,
): string[] {
  const queries: string[] = [];
  const lines = text.replace(/\r/g, '').split('\n');
  for (const [i, line] of lines.entries()) {
    if (/^\s*document\s*:/i.test(line)) break;
    if (line.trim() === '') {
      if (i > 0 && queries.length > 0) break;
      continue;
    }
    const query = cleanQueryLine(line);
    if (query.length < options.minChars || query.length > options.maxChars) continue;
    queries.push(query);
    if (queries.length >= options.maxQueries) break;
  }
  return queries;
}
