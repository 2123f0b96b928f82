import { describe, expect, it } from 'vitest';
import {
  SNIFF_BYTES,
  sniffEncoding,
  TextBlockDecoder,
  type TextBlock,
} from '../../../src/lib/data/encoding.ts';
import { DatasetError } from '../../../src/lib/data/errors.ts';
import { FaultQueue } from '../../../src/lib/data/faults.ts';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const utf8 = (s: string) => new TextEncoder().encode(s);

function utf16(s: string, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(2 + s.length * 2);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, littleEndian);
  for (let i = 0; i < s.length; i++) view.setUint16(2 + 2 * i, s.charCodeAt(i), littleEndian);
  return out;
}

/** Decodes in chunks of `size` bytes and joins the blocks. */
function decodeAll(data: Uint8Array, size: number): { text: string; faults: TextBlock['faults'] } {
  const decoder = new TextBlockDecoder('t.csv');
  const blocks: TextBlock[] = [];
  for (let at = 0; at < data.length; at += size) {
    const block = decoder.push(data.subarray(at, at + size));
    if (block) blocks.push(block);
  }
  const last = decoder.finish();
  if (last) blocks.push(last);
  return { text: blocks.map((b) => b.text).join(''), faults: blocks.flatMap((b) => b.faults) };
}

const refusal = (head: Uint8Array) => {
  try {
    sniffEncoding(head, 'f.csv');
  } catch (e) {
    if (e instanceof DatasetError) return [e.code, e.detail];
  }
  return null;
};

describe('sniffEncoding', () => {
  it('reads byte-order marks and says how many bytes to skip', () => {
    expect(sniffEncoding(bytes(0xef, 0xbb, 0xbf, 0x61), 'f')).toEqual({
      encoding: { name: 'utf-8', bom: true },
      skip: 3,
    });
    expect(sniffEncoding(bytes(0xff, 0xfe, 0x61, 0), 'f').encoding).toEqual({
      name: 'utf-16le',
      bom: true,
    });
    expect(sniffEncoding(bytes(0xfe, 0xff, 0, 0x61), 'f').encoding).toEqual({
      name: 'utf-16be',
      bom: true,
    });
    expect(sniffEncoding(utf8('query,positive\n'), 'f')).toEqual({
      encoding: { name: 'utf-8', bom: false },
      skip: 0,
    });
  });

  it('refuses UTF-32, UTF-16 without a BOM, and known binary formats by name', () => {
    expect(refusal(bytes(0xff, 0xfe, 0, 0, 0x61, 0, 0, 0))).toEqual([
      'encoding',
      'this is UTF-32 text; save it as UTF-8',
    ]);
    expect(refusal(bytes(0, 0x61, 0, 0x2c, 0, 0x62, 0, 0x0a))?.[0]).toBe('encoding');
    expect(refusal(utf8('%PDF-1.7\n'))).toEqual([
      'binary',
      'this is a PDF document, not a text file; export the data as CSV, TSV or JSON Lines',
    ]);
    expect(refusal(bytes(0x1f, 0x8b, 8, 0))?.[1]).toMatch(/^this is a gzip archive/);
  });

  it('accepts text with a few stray control or Latin-1 bytes, and refuses mostly-control data', () => {
    const mostlyText = utf8('query,positive\nnut\u0000,hex nut\ncaf\u00e9,x\n');
    expect(refusal(mostlyText)).toBeNull();
    // 4 control bytes out of 10 (0x01, 0x02, 0x03, 0x7f): 40% > 10%.
    expect(refusal(bytes(0x61, 1, 0x62, 2, 0x63, 3, 0x64, 0x7f, 0x65, 0x66))).toEqual([
      'binary',
      'this looks like binary data, not text: 4 of the first 10 bytes are control bytes or invalid UTF-8; export the data as CSV, TSV or JSON Lines',
    ]);
  });
});

describe('TextBlockDecoder', () => {
  const text = 'query,positive\r\nécrou M8 🔩,"line one\r\nline two"\r\nlast,one';

  it('never splits a multi-byte character or a CRLF, whatever the chunk size', () => {
    const data = utf8(text);
    for (const size of [1, 2, 3, 5, 64, SNIFF_BYTES + 1]) {
      expect(decodeAll(data, size)).toEqual({
        text: 'query,positive\nécrou M8 🔩,"line one\nline two"\nlast,one',
        faults: [],
      });
    }
  });

  it('decodes UTF-16 LE and BE with a BOM, in odd-sized chunks', () => {
    for (const le of [true, false]) {
      expect(decodeAll(utf16(text, le), 3).text).toBe(
        'query,positive\nécrou M8 🔩,"line one\nline two"\nlast,one',
      );
    }
  });

  it('holds back a partial last line until it is complete', () => {
    const decoder = new TextBlockDecoder('t.csv');
    const head = utf8('a'.repeat(SNIFF_BYTES));
    expect(decoder.push(head)).toBeNull();
    expect(decoder.push(utf8('b\nc'))).toEqual({
      text: `${'a'.repeat(SNIFF_BYTES)}b\n`,
      faults: [],
    });
    expect(decoder.finish()).toEqual({ text: 'c', faults: [] });
    expect(decoder.bytes).toBe(SNIFF_BYTES + 3);
  });

  it('reports invalid UTF-8 and NUL bytes on the physical line where they are', () => {
    const data = new Uint8Array([
      ...utf8('h\r\nok\rbad '),
      0xc3,
      0x28,
      ...utf8('\nnul'),
      0,
      ...utf8('\nfine\n'),
    ]);
    expect(decodeAll(data, 4)).toEqual({
      text: 'h\nok\nbad \ufffd(\nnul\u0000\nfine\n',
      faults: [
        {
          line: 3,
          reason: 'invalid UTF-8: byte 0xC3 at byte 5 of the line; save the file as UTF-8',
        },
        { line: 4, reason: 'NUL byte at column 4' },
      ],
    });
  });

  it('rejects overlong forms, surrogates and code points past U+10FFFF', () => {
    for (const seq of [
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ]) {
      // A text line first, so that the file as a whole is not taken for binary data.
      const header = utf8(`${'query,positive,'.repeat(4)}\n`);
      const { faults } = decodeAll(new Uint8Array([...header, 0x62, ...seq, 0x0a]), 64);
      const hex = seq[0].toString(16).toUpperCase();
      expect(faults).toEqual([
        {
          line: 2,
          reason: `invalid UTF-8: byte 0x${hex} at byte 2 of the line; save the file as UTF-8`,
        },
      ]);
    }
  });
});

describe('FaultQueue', () => {
  it('matches faults to record spans in order and names a later line', () => {
    const q = new FaultQueue();
    q.add([
      { line: 2, reason: 'A' },
      { line: 5, reason: 'B' },
      { line: 9, reason: 'C' },
    ]);
    expect(q.within(1, 1)).toBeNull();
    expect(q.within(2, 2)).toBe('A');
    expect(q.within(3, 6)).toBe('B (line 5)');
    expect(q.within(7, 8)).toBeNull();
    q.add([{ line: 12, reason: 'D' }]);
    expect(q.within(10, 12)).toBe('D (line 12)');
  });
});
