/**
 * The generation loop over a corpus, independent of the model runtime: for each document it
 * builds the few-shot prompt, asks the generator for `perDocument` continuations and parses each
 * into queries. Results come out one document at a time, so a caller can store them as they
 * arrive and resume from the next document after a pause or a reload.
 */
import { parseGeneratedQueries } from './parse.ts';
import { buildPrompt, type ExampleQuery } from './prompt.ts';
import type { GeneratedQuery } from './review.ts';
import type { SamplingSettings } from './settings.ts';

/** Continues a prompt once; returns only the new text. */
export interface TextGenerator {
  continue(prompt: string, settings: SamplingSettings): Promise<string>;
  /** Restarts the sampler's random sequence. */
  reseed(seed: number): void;
}

export interface DocumentQueries {
  document: number;
  queries: GeneratedQuery[];
  /** Continuations that held no usable query. */
  unparsable: number;
}

export interface GenerateOptions {
  /** First document to generate for (resume point). */
  start?: number;
  /** Checked between continuations: aborting stops after the current one. */
  signal?: AbortSignal;
}

export async function* generateForCorpus(
  generator: TextGenerator,
  corpus: readonly string[],
  examples: readonly ExampleQuery[],
  settings: SamplingSettings,
  options: GenerateOptions = {},
): AsyncGenerator<DocumentQueries> {
  for (let document = options.start ?? 0; document < corpus.length; document++) {
    const prompt = buildPrompt(examples, corpus[document]);
    const queries: GeneratedQuery[] = [];
    let unparsable = 0;
    generator.reseed(settings.seed + document);
    for (let n = 0; n < settings.perDocument; n++) {
      if (options.signal?.aborted) return;
      const [text] = parseGeneratedQueries(await generator.continue(prompt, settings));
      if (text === undefined) unparsable++;
      else queries.push({ document, text });
    }
    yield { document, queries, unparsable };
  }
}
