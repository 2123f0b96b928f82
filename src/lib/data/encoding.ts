import { DatasetError } from './errors.ts';
import { nulFaults, type LineFault } from './faults.ts';
import { utf8Faults, utf8SequenceLength } from './utf8.ts';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface TextEncoding {
  name: TextEncodingName;
  /** Whether the file starts with a byte-order mark (which is not part of the text). */
  bom: boolean;
}

/** Whole decoded lines, every line end normalised to `\n`, with the faults found in them. */
export interface TextBlock {
  text: string;
  /** Sorted by line. */
  faults: LineFault[];
}

/** How much of the file the encoding and binary checks look at before the first block. */
export const SNIFF_BYTES = 8192;

/** Binary when more than this share of the sniffed bytes are control bytes or invalid UTF-8. */
const BINARY_SHARE = 0.1;

const MAGIC: { bytes: number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an Excel .xlsx workbook is one)' },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'an Office document (an Excel .xls workbook is one)',
  },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file' },
  { bytes: [...'SQLite format 3'].map((c) => c.charCodeAt(0)), what: 'an SQLite database' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an executable' },
];

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

const isControl = (b: number) => b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b) || b === 0x7f;

/** The refusal for bytes that are not UTF-8 text, or null when they may be. */
function binaryRefusal(head: Uint8Array, file: string): DatasetError | null {
  const magic = MAGIC.find((m) => startsWith(head, m.bytes));
  if (magic) {
    return new DatasetError(
      'binary',
      file,
      `this is ${magic.what}, not a text file; export the data as CSV, TSV or JSON Lines`,
    );
  }
  // ASCII text in UTF-16 has a zero in every other byte: odd offsets for LE, even ones for BE.
  let zerosEven = 0;
  let zerosOdd = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] === 0) {
      if (i % 2 === 0) zerosEven++;
      else zerosOdd++;
    }
  }
  const half = head.length / 2;
  if (
    head.length >= 4 &&
    Math.max(zerosEven, zerosOdd) > 0.3 * half &&
    Math.min(zerosEven, zerosOdd) < 0.05 * half
  ) {
    return new DatasetError(
      'encoding',
      file,
      'this looks like UTF-16 text without a byte-order mark; save it as UTF-8, or as UTF-16 with a byte-order mark',
    );
  }
  let suspicious = 0;
  for (let i = 0; i < head.length;) {
    const b = head[i];
    if (b < 0x80) {
      if (isControl(b)) suspicious++;
      i++;
      continue;
    }
    const len = utf8SequenceLength(head, i);
    if (len > 0) i += len;
    else {
      suspicious -= len;
      i -= len;
    }
  }
  if (suspicious > BINARY_SHARE * head.length) {
    return new DatasetError(
      'binary',
      file,
      `this looks like binary data, not text: ${suspicious} of the first ${head.length} bytes are control bytes or invalid UTF-8; export the data as CSV, TSV or JSON Lines`,
    );
  }
  return null;
}

/**
 * The encoding of a file from its first bytes: a byte-order mark names UTF-8 or UTF-16; without
 * one the file must be UTF-8 text, and binary files are refused here. Returns the number of BOM
 * bytes to skip.
 */
export function sniffEncoding(
  head: Uint8Array,
  file: string,
): { encoding: TextEncoding; skip: number } {
  if (startsWith(head, [0xff, 0xfe, 0, 0]) || startsWith(head, [0, 0, 0xfe, 0xff])) {
    throw new DatasetError('encoding', file, 'this is UTF-32 text; save it as UTF-8');
  }
  if (startsWith(head, [0xfe, 0xff])) return { encoding: { name: 'utf-16be', bom: true }, skip: 2 };
  if (startsWith(head, [0xff, 0xfe])) return { encoding: { name: 'utf-16le', bom: true }, skip: 2 };
  const bom = startsWith(head, [0xef, 0xbb, 0xbf]);
  const refusal = binaryRefusal(bom ? head.subarray(3) : head, file);
  if (refusal) throw refusal;
  return { encoding: { name: 'utf-8', bom }, skip: bom ? 3 : 0 };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });
const LINE_ENDS = /\r\n?/g;
const EMPTY = new Uint8Array(0);

/**
 * Turns a byte stream into blocks of whole decoded lines, so a multi-byte character or a CRLF is
 * never split and every fault has a physical line number. UTF-8 is decoded with a fatal decoder;
 * a block that fails is scanned to find the lines at fault, and decoded with U+FFFD in their place.
 */
export class TextBlockDecoder {
  encoding: TextEncoding | null = null;
  /** Bytes received so far, BOM included. */
  bytes = 0;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private carry: Uint8Array[] = [];
  private textCarry: string[] = [];
  private utf16: TextDecoder | null = null;
  /** The physical line number of the next block's first line. */
  private line = 1;

  constructor(private readonly file: string) {}

  push(chunk: Uint8Array): TextBlock | null {
    this.bytes += chunk.length;
    if (!this.encoding) {
      this.head.push(chunk.slice());
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return null;
      return this.decode(this.start(), false);
    }
    return this.decode(chunk, false);
  }

  finish(): TextBlock | null {
    return this.decode(this.encoding ? EMPTY : this.start(), true);
  }

  private start(): Uint8Array {
    const head = concat(this.head);
    this.head = [];
    const { encoding, skip } = sniffEncoding(head, this.file);
    this.encoding = encoding;
    if (encoding.name !== 'utf-8') this.utf16 = new TextDecoder(encoding.name, { ignoreBOM: true });
    return head.subarray(skip);
  }

  private decode(chunk: Uint8Array, final: boolean): TextBlock | null {
    const decoded = this.utf16 ? this.decodeUtf16(chunk, final) : this.decodeUtf8(chunk, final);
    if (!decoded) return null;
    let { text } = decoded;
    const { faults } = decoded;
    if (text.includes('\r')) text = text.replace(LINE_ENDS, '\n');
    if (text.includes('\0')) {
      faults.push(...nulFaults(text, this.line));
      faults.sort((a, b) => a.line - b.line);
    }
    this.line += countLines(text);
    return { text, faults };
  }

  private decodeUtf8(chunk: Uint8Array, final: boolean): TextBlock | null {
    const cut = final ? chunk.length : chunk.lastIndexOf(0x0a) + 1;
    if (cut === 0 && !final) {
      if (chunk.length) this.carry.push(chunk.slice());
      return null;
    }
    const bytes = this.carry.length
      ? concat([...this.carry, chunk.subarray(0, cut)])
      : chunk.subarray(0, cut);
    this.carry = cut < chunk.length ? [chunk.slice(cut)] : [];
    if (bytes.length === 0) return null;
    try {
      return { text: UTF8_FATAL.decode(bytes), faults: [] };
    } catch {
      return { text: UTF8_LENIENT.decode(bytes), faults: utf8Faults(bytes, this.line) };
    }
  }

  private decodeUtf16(chunk: Uint8Array, final: boolean): TextBlock | null {
    const piece = (this.utf16 as TextDecoder).decode(chunk, { stream: !final });
    const cut = final ? piece.length : piece.lastIndexOf('\n') + 1;
    if (cut === 0 && !final) {
      if (piece) this.textCarry.push(piece);
      return null;
    }
    const text = this.textCarry.join('') + piece.slice(0, cut);
    this.textCarry = cut < piece.length ? [piece.slice(cut)] : [];
    return text ? { text, faults: [] } : null;
  }
}
