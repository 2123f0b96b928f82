import { documentText, parseBeirCorpus } from '../data/beir.ts';
import { MiningInputError } from './select.ts';

/**
 * An extra mining corpus from a file's text: a BEIR `corpus.jsonl` (`.jsonl`, each document as
 * `title + " " + text`), or one document per non-empty line for anything else (`.txt`).
 */
export function parseCorpus(text: string, fileName: string): string[] {
  const documents = /\.jsonl$/i.test(fileName)
    ? parseBeirCorpus(text, fileName).map(documentText)
    : text
        .replace(/^\uFEFF/, '')
        .split('\n')
        .map((line) => line.replace(/\r$/, ''))
        .filter((line) => line.trim() !== '');
  if (documents.length === 0)
    throw new MiningInputError(`${fileName}: the corpus has no documents`);
  return documents;
}
