import { describe, expect, it } from 'vitest';
import { jsonErrorIndex } from '../../../src/lib/data/json-syntax.ts';

describe('jsonErrorIndex', () => {
  it('finds nothing wrong in valid JSON', () => {
    for (const text of ['{}', ' {"a": [1, -2.5e3, true, null, "x\\u00e9\\n"]} ', '"s"', '0']) {
      expect(jsonErrorIndex(text)).toBe(-1);
    }
  });

  it('points at the first character that breaks the grammar', () => {
    expect(jsonErrorIndex('{"a": 1,}')).toBe(8);
    expect(jsonErrorIndex("{'a': 1}")).toBe(1);
    expect(jsonErrorIndex('{"a": 01}')).toBe(7);
    expect(jsonErrorIndex('{"a": tru}')).toBe(6);
    expect(jsonErrorIndex('{"a": "\\x"}')).toBe(8);
    expect(jsonErrorIndex('{"a": 1} x')).toBe(9);
    expect(jsonErrorIndex('[1 2]')).toBe(3);
  });

  it('returns the length when the text ends too early', () => {
    expect(jsonErrorIndex('{"a": [1, 2')).toBe(11);
    expect(jsonErrorIndex('{"a": "open')).toBe(11);
    expect(jsonErrorIndex('')).toBe(0);
  });
});
