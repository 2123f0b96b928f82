import { Sha256 } from '../../data/sha256.ts';
import type { NamedTensor } from '../../model/safetensors.ts';

/**
 * A model's identity for the report's method section, the same in the CLI and the tab whatever
 * file the weights came from: SHA-256 over every weight in name order, each as its UTF-8 name,
 * a NUL byte, then its float32 values little-endian (as held in memory, after any f16 → f32).
 */
export function weightsSha256(weights: ReadonlyMap<string, NamedTensor>): string {
  const hash = new Sha256();
  const encoder = new TextEncoder();
  for (const name of [...weights.keys()].sort()) {
    hash.update(encoder.encode(`${name}\0`));
    const { data } = weights.get(name)!;
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.hex();
}
