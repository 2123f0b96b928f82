import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/lib/model/errors.ts';
import { effectivePrompts } from '../../../src/lib/model/known-prompts.ts';
import {
  parsePromptConfig,
  promptPairs,
  PromptError,
  recordRetrievalPrompts,
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

describe('the prompts a model is used with', () => {
  const own = parsePromptConfig({ prompts: { query: 'q: ' } });
  const none = parsePromptConfig(null);

  it('takes the person’s choice, then the model’s config, then what its authors document', () => {
    const chosen = { prompts: { query: 'mine: ' }, defaultPromptName: null };
    expect(effectivePrompts(own, 'intfloat/e5-small-v2', chosen)).toEqual({
      prompts: chosen,
      origin: 'chosen',
    });
    expect(effectivePrompts(own, 'intfloat/e5-small-v2', undefined)).toEqual({
      prompts: own,
      origin: 'model',
    });
    expect(
      retrievalPrompts(effectivePrompts(none, 'intfloat/e5-small-v2', undefined).prompts),
    ).toEqual({
      query: 'query: ',
      document: 'passage: ',
    });
    expect(
      retrievalPrompts(effectivePrompts(none, 'BAAI/bge-small-en-v1.5', undefined).prompts),
    ).toEqual({
      query: 'Represent this sentence for searching relevant passages: ',
      document: '',
    });
    expect(effectivePrompts(none, 'sentence-transformers/all-MiniLM-L6-v2', undefined)).toEqual({
      prompts: none,
      origin: 'none',
    });
  });

  it('records the prompts a run used under the names encode_query / encode_document read', () => {
    const e5 = { prompts: { query: 'query: ', passage: 'passage: ' }, defaultPromptName: null };
    expect(recordRetrievalPrompts(e5, { query: 'query: ', document: 'passage: ' })).toBe(e5);
    expect(recordRetrievalPrompts(e5, { query: 'q: ', document: 'd: ' }).prompts).toEqual({
      query: 'q: ',
      passage: 'd: ',
    });
    expect(recordRetrievalPrompts(none, { query: 'q: ', document: 'd: ' }).prompts).toEqual({
      query: 'q: ',
      document: 'd: ',
    });
  });
});
