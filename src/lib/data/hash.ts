/**
 * Small non-cryptographic hashes for de-duplication and the seeded split: multiply and xor-shift
 * per word, then the murmur3 finaliser (fmix32) so that nearby inputs land far apart.
 */

const M1 = 0x5bd1e995;
const M2 = 0x27d4eb2f;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of `text` under `seed`: the same seed always gives the same value. */
export function hash32(text: string, seed: number): number {
  let h = (seed ^ 0x9e3779b9) | 0;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), M1);
    h ^= h >>> 15;
  }
  return fmix32(h ^ text.length);
}

const encoder = new TextEncoder();

/**
 * A 64-bit fingerprint of a list of fields, as a 4-character string (a cheap Map key). The fields
 * are UTF-8 encoded into one reused buffer, each followed by 0xFF (a byte UTF-8 never uses, so
 * "ab"+"c" and "a"+"bc" differ), and hashed four bytes at a time in two independent lanes: among a
 * million distinct rows the chance that any two share a fingerprint is about n²/2⁶⁵ ≈ 3·10⁻⁸.
 * Encoding natively and hashing words is several times faster than hashing UTF-16 units in JS.
 */
export class Fingerprinter {
  private bytes = new Uint8Array(1 << 16);
  private words = new Int32Array(this.bytes.buffer);
  private length = 0;

  add(field: string): this {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; 4 more for the separator and padding.
    const need = this.length + field.length * 3 + 4;
    if (need > this.bytes.length) this.grow(need);
    const view = this.length === 0 ? this.bytes : this.bytes.subarray(this.length);
    this.length += encoder.encodeInto(field, view).written;
    this.bytes[this.length++] = 0xff;
    return this;
  }

  /** The fingerprint of the fields added since the last call. */
  take(): string {
    const { bytes, words } = this;
    let n = this.length;
    while (n & 3) bytes[n++] = 0;
    let a = 0x2545f491 ^ this.length;
    let b = 0x6b43a9b5;
    for (let i = 0, end = n >> 2; i < end; i++) {
      const w = words[i];
      a = Math.imul(a ^ w, M1);
      a ^= a >>> 15;
      b = Math.imul(b ^ w, M2);
      b ^= b >>> 13;
    }
    this.length = 0;
    a = fmix32(a);
    b = fmix32(b);
    return String.fromCharCode(a >>> 16, a & 0xffff, b >>> 16, b & 0xffff);
  }

  private grow(need: number): void {
    const bytes = new Uint8Array(Math.max(need, this.bytes.length * 2) + 3);
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
    this.words = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
  }
}
