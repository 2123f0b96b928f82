import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/lib/model/errors.ts';
import {
  parsePromptConfig,
  promptPairs,
  PromptError,
  resolvePrompt,
  retrievalPrompts,
  withPrompt,
} from '../../../src/lib/model/prompts.ts';

const E5 = parsePromptConfig({
  prompts: { query: 'query: ', passage: 'passage: ' },
  default_prompt_name: null,
});

describe('prompts as sentence-transformers reads and applies them', () => {
  it('reads prompts and default_prompt_name; a missing file means none', () => {
    expect(E5).toEqual({
      prompts: { query: 'query: ', passage: 'passage: ' },
      defaultPromptName: null,
    });
    expect(parsePromptConfig(null)).toEqual({ prompts: {}, defaultPromptName: null });
    expect(parsePromptConfig({ __version__: {} })).toEqual({
      prompts: {},
      defaultPromptName: null,
    });
  });

  it('refuses a default that names no prompt, and a prompt that is not text', () => {
    expect(() =>
      parsePromptConfig({ prompts: { query: 'q: ' }, default_prompt_name: 'doc' }),
    ).toThrow(ModelFormatError);
    expect(() => parsePromptConfig({ prompts: { query: 3 } })).toThrow(
      /prompt "query" must be a string/,
    );
  });

  it('resolves like encode(): prompt text, then prompt_name, then the default, else nothing', () => {
    const withDefault = { ...E5, defaultPromptName: 'query' };
    expect(resolvePrompt(E5)).toBe('');
    expect(resolvePrompt(withDefault)).toBe('query: ');
    expect(resolvePrompt(withDefault, { name: 'passage' })).toBe('passage: ');
    expect(resolvePrompt(withDefault, { name: 'passage', text: 'x: ' })).toBe('x: ');
    expect(() => resolvePrompt(E5, { name: 'document' })).toThrow(PromptError);
    expect(() => resolvePrompt(E5, { name: 'document' })).toThrow(
      'prompt "document" is not defined by the model; it has "query", "passage"',
    );
  });

  it('picks query and document prompts as encode_query / encode_document do', () => {
    expect(retrievalPrompts(E5)).toEqual({ query: 'query: ', document: 'passage: ' });
    const bge = parsePromptConfig({
      prompts: { query: 'Represent this sentence for searching relevant passages: ' },
    });
    expect(retrievalPrompts(bge)).toEqual({
      query: 'Represent this sentence for searching relevant passages: ',
      document: '',
    });
    const both = parsePromptConfig({
      prompts: { corpus: 'c: ', document: 'd: ', x: 'x: ' },
      default_prompt_name: 'x',
    });
    expect(retrievalPrompts(both)).toEqual({ query: 'x: ', document: 'd: ' });
  });

  it('prepends before tokenizing: queries get the query prompt, positives and negatives the document one', () => {
    expect(withPrompt(['a', 'b'], 'query: ')).toEqual(['query: a', 'query: b']);
    expect(
      promptPairs([{ query: 'q', positive: 'p', negatives: ['n1', 'n2'], weight: 2 }], {
        query: 'query: ',
        document: 'passage: ',
      }),
    ).toEqual([
      {
        query: 'query: q',
        positive: 'passage: p',
        negatives: ['passage: n1', 'passage: n2'],
        weight: 2,
      },
    ]);
  });
});
