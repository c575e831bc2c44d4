/**
 * A small seeded pseudo-random generator (SFC32: 128 bits of state, period ≥ 2^32, good
 * statistical quality, four 32-bit adds/xors/shifts per draw). The CDN example uses it so that
 * the same seed always yields the same region table and the same log rows, byte for byte.
 *
 * @example
 * const rng = new Sfc32(42);
 * rng.nextU32();   // an integer in [0, 2^32)
 * rng.next();      // a float in [0, 1)
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    // Spread the seed and the stream number over the state, then discard the first draws,
    // as SFC's author recommends, so that nearby seeds give unrelated sequences.
    this.a = 0x9e3779b9 ^ stream;
    this.b = seed >>> 0;
    this.c = Math.floor(seed / 0x100000000) >>> 0;
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** A uniformly distributed integer in [0, 2^32). */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniformly distributed float in [0, 1) (32 bits of randomness). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniformly distributed integer in [0, n), for n ≤ 2^32. */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * Cumulative weights of a Zipf-like law over `n` ranks: weight of rank k (from 0) ∝ 1/(k+1)^s.
 * Sample with {@link sampleCdf}. Real CDN traffic is this shaped: a few clients and regions
 * make most of the requests.
 */
export function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1) ** s;
    cdf[k] = total;
  }
  for (let k = 0; k < n; k++) cdf[k] /= total;
  cdf[n - 1] = 1;
  return cdf;
}

/** The first index whose cumulative weight exceeds `u` (binary search; u in [0, 1)). */
export function sampleCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
