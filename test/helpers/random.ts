/**
 * A small seeded PRNG (mulberry32) so generated test data is the same on every run.
 *
 * @example
 * const r = rng(42); r.float(); r.int(0, 9); r.chance(0.1);
 */
export interface Rng {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of `xs`. */
  pick<T>(xs: readonly T[]): T;
}

export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const float = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    float,
    int: (lo, hi) => lo + Math.floor(float() * (hi - lo + 1)),
    chance: (p) => float() < p,
    pick: (xs) => xs[Math.floor(float() * xs.length)]!,
  };
}
