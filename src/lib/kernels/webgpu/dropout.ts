import { dropThreshold } from '../dropout.ts';
import type { Scalar } from './dispatch.ts';

/**
 * The dropout masks of ../dropout.ts in WGSL, bit for bit: element i of a site is kept when
 * murmur3's finaliser of (seed, i) reaches rate·2³², so a kernel here drops exactly the elements
 * the cpu and wasm kernels drop for the same seed.
 */

/** WGSL: `hash` as ../dropout.ts computes it with Math.imul, in u32 arithmetic (wrapping). */
export const HASH = /* wgsl */ `
fn hash(seed: u32, i: u32) -> u32 {
  var h = seed ^ (i * 0x9e3779b1u);
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return h;
}`;

/** The uniforms of a dropout site named `name`: on, seed, threshold, scale. */
export const siteFields = (name: string): [string, Scalar][] => [
  [`${name}On`, 'u32'],
  [`${name}Seed`, 'u32'],
  [`${name}Threshold`, 'u32'],
  [`${name}Scale`, 'f32'],
];

/**
 * Values for `siteFields`: the float threshold rate·2³² compared with an integer hash is the
 * integer threshold ⌈rate·2³²⌉; the seed wraps to 32 bits as JavaScript's `^` wraps it.
 */
export function siteValues(rate: number, seed: number): number[] {
  return [
    rate === 0 ? 0 : 1,
    seed >>> 0,
    Math.min(Math.ceil(dropThreshold(rate)), 0xffffffff),
    1 / (1 - rate),
  ];
}

/** WGSL: element i's scale at site `name` (1 when off). */
export const siteScale = (name: string) => /* wgsl */ `
fn ${name}ScaleAt(i: u32) -> f32 {
  if (u.${name}On == 0u) { return 1.0; }
  return select(0.0, u.${name}Scale, hash(u.${name}Seed, i) >= u.${name}Threshold);
}`;
