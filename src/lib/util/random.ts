/**
 * A small seeded PRNG (mulberry32: 32-bit state, period 2³²) whose whole state is one number,
 * so a checkpoint can store it and a resumed run draws exactly the same sequence.
 */
export class Random {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The state to store in a checkpoint; `Random.fromState` continues from it. */
  get state(): number {
    return this.s;
  }

  static fromState(state: number): Random {
    return new Random(state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** The same generator as a plain function, for code that only draws numbers. */
export function mulberry32(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

/** Uniform integer in [0, n) from a `[0, 1)` generator. */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}
