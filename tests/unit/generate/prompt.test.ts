import { describe, expect, it } from 'vitest';
import { buildPrompt, clipDocument } from '../../../src/lib/generate/prompt.ts';
import { cleanQueryLine, parseGeneratedQueries } from '../../../src/lib/generate/parse.ts';

describe('few-shot prompt', () => {
  it('lists bare examples, shows examples with documents as shots, and ends with Query:', () => {
    const prompt = buildPrompt(
      [
        { query: 'err 0x80070005 wsus' },
        { query: 'kb5034441 fails', document: 'Update KB5034441\nfails   with 0x80070643.' },
      ],
      'WSUS sync stops at 0%.',
    );
    expect(prompt).toBe(
      'Write a search query that a user would type to find the document. ' +
        'Match the style of the example queries: their length, wording, jargon, codes and abbreviations.\n\n' +
        'Example queries:\n- err 0x80070005 wsus\n\n' +
        'Document: Update KB5034441 fails with 0x80070643.\nQuery: kb5034441 fails\n\n' +
        'Document: WSUS sync stops at 0%.\nQuery:',
    );
  });

  it('clips long documents at a word boundary', () => {
    expect(clipDocument('alpha beta gamma delta', 13)).toBe('alpha beta…');
    expect(clipDocument('short', 13)).toBe('short');
  });
});

describe('parsing generated text', () => {
  it('strips list markers, labels and quotes', () => {
    expect(cleanQueryLine('1. "wsus sync 0%"')).toBe('wsus sync 0%');
    expect(cleanQueryLine('- Query: “kb5034441 rollback”')).toBe('kb5034441 rollback');
    expect(cleanQueryLine('  2)   vat   rate ')).toBe('vat rate');
  });

  it('takes queries one per line until a blank line or the next Document:', () => {
    const text = ' wsus sync 0%\n2. "wsus stuck"\nx\nDocument: something else\nQuery: ignored';
    expect(parseGeneratedQueries(text, { minChars: 3, maxChars: 200, maxQueries: 5 })).toEqual([
      'wsus sync 0%',
      'wsus stuck',
    ]);
    expect(
      parseGeneratedQueries('\n\nfirst query\n\nsecond query', {
        minChars: 3,
        maxChars: 200,
        maxQueries: 5,
      }),
    ).toEqual(['first query']);
  });

  it('keeps one query per continuation by default and enforces the length limits', () => {
    expect(parseGeneratedQueries(' a\n' + 'y'.repeat(201) + '\nok query\nmore')).toEqual([
      'ok query',
    ]);
    expect(parseGeneratedQueries('   \n')).toEqual([]);
  });
});
