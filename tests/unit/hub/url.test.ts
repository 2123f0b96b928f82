import { describe, expect, it } from 'vitest';
import { InvalidRepoIdError } from '../../../src/lib/hub/errors.ts';
import { HUB_HOST, hubFileUrl } from '../../../src/lib/hub/url.ts';

describe('hubFileUrl', () => {
  it("builds the Hub's resolve route on the default host", () => {
    expect(hubFileUrl(HUB_HOST, 'BAAI/bge-small-en-v1.5', 'main', 'config.json')).toBe(
      'https://huggingface.co/BAAI/bge-small-en-v1.5/resolve/main/config.json',
    );
  });

  it('keeps the folders of a file path and drops a trailing slash of the host', () => {
    expect(
      hubFileUrl('http://127.0.0.1:5173/hub-mirror/', 'a/b', 'main', '1_Pooling/config.json'),
    ).toBe('http://127.0.0.1:5173/hub-mirror/a/b/resolve/main/1_Pooling/config.json');
  });

  it('encodes the revision whole, as transformers.js keys its cache, and odd file characters', () => {
    expect(hubFileUrl(HUB_HOST, 'a/b', 'refs/pr/1', 'my file#1.txt')).toBe(
      'https://huggingface.co/a/b/resolve/refs%2Fpr%2F1/my%20file%231.txt',
    );
  });

  it('accepts a legacy single-name repo id', () => {
    expect(hubFileUrl(HUB_HOST, 'bert-base-uncased', 'main', 'vocab.txt')).toBe(
      'https://huggingface.co/bert-base-uncased/resolve/main/vocab.txt',
    );
  });

  it('refuses a repo id with a path, a space or a doubled dash, naming it', () => {
    for (const repo of ['a/b/c', 'a b', 'a/b--c', '../etc', '']) {
      expect(() => hubFileUrl(HUB_HOST, repo, 'main', 'config.json')).toThrow(InvalidRepoIdError);
    }
    expect(() => hubFileUrl(HUB_HOST, 'a/b/c', 'main', 'config.json')).toThrow(
      '"a/b/c" is not a Hub repo id: expected owner/name such as "sentence-transformers/all-MiniLM-L6-v2" (letters, digits, "-", "_", ".")',
    );
  });
});
