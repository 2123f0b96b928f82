/**
 * Inverted dropout masks that are a pure function of (seed, element index): element i is kept
 * when a 32-bit hash of (seed, i) lands at or above rate·2³², and kept values are scaled by
 * 1/(1−rate). The kernels that fold dropout in (LayerNorm, attention) regenerate the same mask in
 * their backward pass, so no mask is stored, and a replayed forward with the same seed
 * (GradCache, resume) drops the same elements. The masks differ from `tf.dropout`'s (another
 * generator), not their distribution.
 */

/** murmur3's 32-bit finaliser over seed and index: uniform, cheap, and order-free. */
export function hash(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The dropout scale of elements [offset, offset + out.length) into `out`: 0 where dropped,
 * 1/(1−rate) where kept, 1 everywhere when rate is 0.
 */
export function dropoutScales(
  rate: number,
  seed: number,
  offset: number,
  out: Float32Array | Float64Array,
): void {
  if (rate === 0) {
    out.fill(1);
    return;
  }
  const threshold = dropThreshold(rate);
  const scale = 1 / (1 - rate);
  for (let j = 0; j < out.length; j++) out[j] = hash(seed, offset + j) >= threshold ? scale : 0;
}

/**
 * The hash value below which an element is dropped: element i's scale is
 * `hash(seed, i) >= dropThreshold(rate) ? 1 / (1 − rate) : 0`, as `dropoutScales` writes it, for
 * kernels that apply the mask inside their own loops instead of filling an array first.
 */
export const dropThreshold = (rate: number): number => rate * 4294967296;

/** A seed for a dropout site that was given none. */
export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);
