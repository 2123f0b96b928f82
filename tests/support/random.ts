import { mulberry32 } from '../../src/lib/util/random.ts';

/** `n` uniform draws in [0, 1) from mulberry32 seeded with `seed`: the same list on every run. */
export function seededUniforms(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => random());
}
