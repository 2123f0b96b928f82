import type { LineFault } from './faults.ts';

/**
 * Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), or minus the number of bytes to skip when it is malformed (the maximal
 * subpart, as the WHATWG decoder replaces it).
 */
export function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) need = 1;
  else if (b >= 0xe0 && b <= 0xef) {
    need = 2;
    if (b === 0xe0) lo = 0xa0;
    else if (b === 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    need = 3;
    if (b === 0xf0) lo = 0x90;
    else if (b === 0xf4) hi = 0x8f;
  } else return -1;
  for (let k = 1; k <= need; k++) {
    const c = bytes[i + k];
    if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return -k;
  }
  return need + 1;
}

/**
 * One fault per line that holds malformed UTF-8, with the offending byte and its position. Line
 * breaks are counted as the decoded text will have them: LF, CRLF, or a lone CR.
 */
export function utf8Faults(bytes: Uint8Array, firstLine: number): LineFault[] {
  const faults: LineFault[] = [];
  let line = firstLine;
  let lineStart = 0;
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
        line++;
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    if (faults.at(-1)?.line !== line) {
      const hex = b.toString(16).toUpperCase().padStart(2, '0');
      faults.push({
        line,
        reason: `invalid UTF-8: byte 0x${hex} at byte ${i - lineStart + 1} of the line; save the file as UTF-8`,
      });
    }
    i -= len;
  }
  return faults;
}
