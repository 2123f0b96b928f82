import type { Scalar } from './dispatch.ts';
import { dropThresholdU32, HASH_WGSL } from './shader.ts';

/**
 * A dropout site of ../dropout.ts as uniforms and a WGSL scale function, bit for bit the mask the
 * cpu and wasm kernels draw for the same seed (`dropHash` of shader.ts).
 */

export const HASH = HASH_WGSL;

/** The uniforms of a dropout site named `name`: on, seed, threshold, scale. */
export const siteFields = (name: string): [string, Scalar][] => [
  [`${name}On`, 'u32'],
  [`${name}Seed`, 'u32'],
  [`${name}Threshold`, 'u32'],
  [`${name}Scale`, 'f32'],
];

/** Values for `siteFields`; the seed wraps to 32 bits as JavaScript's `^` wraps it. */
export const siteValues = (rate: number, seed: number): number[] => [
  rate === 0 ? 0 : 1,
  seed >>> 0,
  dropThresholdU32(rate),
  1 / (1 - rate),
];

/** WGSL: element i's scale at site `name` (1 when off). */
export const siteScale = (name: string) => /* wgsl */ `
fn ${name}ScaleAt(i: u32) -> f32 {
  if (u.${name}On == 0u) { return 1.0; }
  return select(0.0, u.${name}Scale, dropHash(u.${name}Seed, i) >= u.${name}Threshold);
}`;
