import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../src/lib/data/sha256.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('Sha256', () => {
  it('gives the FIPS 180-4 example digests', () => {
    // NIST's "SHA-256 example" vectors: one block, two blocks, and the empty message.
    expect(new Sha256().update(ascii('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(
      new Sha256().update(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex(),
    ).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(new Sha256().hex()).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('matches node:crypto for every length around the padding boundaries, fed in uneven pieces', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 300; n++) {
      const input = bytes.subarray(0, n);
      const expected = createHash('sha256').update(input).digest('hex');
      const hash = new Sha256();
      for (let at = 0, step = 1; at < n; at += step, step = (step * 5 + 3) % 97) {
        hash.update(input.subarray(at, at + step));
      }
      expect(hash.hex(), `length ${n}`).toBe(expected);
    }
  });

  it('hashes a million "a" characters as FIPS 180-4 gives', () => {
    const hash = new Sha256();
    const piece = new Uint8Array(1000).fill(0x61);
    for (let i = 0; i < 1000; i++) hash.update(piece);
    expect(hash.hex()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('refuses more input after the digest', () => {
    const hash = new Sha256();
    hash.hex();
    expect(() => hash.update(ascii('x'))).toThrow('Sha256.update after digest');
  });
});
