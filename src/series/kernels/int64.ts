/**
 * 64-bit integers as pairs of 32-bit words, without a BigInt per element.
 *
 * An Int64 column's values are read through an `Int32Array` view: row i is `lo = w[2i]` (taken
 * unsigned) and `hi = w[2i + 1]` (signed), little-endian as Arrow and every platform Node runs on
 * lay them out. A value is exactly `hi * 2^32 + (lo >>> 0)` in a double while `hi` is within
 * ±2^21 (|value| < 2^53); kernels use that fast path and fall back to BigInt for the rare element
 * outside it.
 *
 * @example
 * const w = new Int32Array(2);
 * writeNumber(w, 0, -5);
 * toNumber(w, 0) === -5;            // true
 * toBigInt(w, 0) === -5n;           // true
 */
import type { NumKind, TypedArray } from './layout.js';

/** 2^32 */
export const TWO32 = 4294967296;

/** Little-endian check: word views assume it (every platform Node supports is little-endian). */
if (new Uint8Array(Int32Array.of(1).buffer)[0] !== 1) {
  throw new Error('vecudf kernels need a little-endian platform');
}

/** Whether the value at word pair `i` is a safe integer (|v| < 2^53), i.e. exact as a double. */
export function isSafeAt(w: Int32Array, i: number): boolean {
  const hi = w[2 * i + 1]!;
  return hi >= -2097152 && hi < 2097152;
}

/** Value of word pair `i` as a double (exact when safe, rounded otherwise). */
export function toNumber(w: Int32Array, i: number): number {
  return w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0);
}

/** Value of word pair `i` as a bigint (always exact). */
export function toBigInt(w: Int32Array, i: number): bigint {
  return (BigInt(w[2 * i + 1]!) << 32n) | BigInt(w[2 * i]! >>> 0);
}

/** Writes an integral double with |v| <= 2^63 as word pair `i`. */
export function writeNumber(w: Int32Array, i: number, v: number): void {
  const hi = Math.floor(v / TWO32);
  w[2 * i] = (v - hi * TWO32) | 0;
  w[2 * i + 1] = hi | 0;
}

/** Writes a bigint within the Int64 range as word pair `i`. */
export function writeBigInt(w: Int32Array, i: number, v: bigint): void {
  w[2 * i] = Number(BigInt.asIntN(32, v));
  w[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** Whether a bigint fits in Int64. */
export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** Values of a TINYINT / SMALLINT / INT / BIGINT column as Int64 words (BIGINT: a view, others: widened). */
export function widenToWords(values: TypedArray, kind: NumKind, n: number): Int32Array {
  if (kind === 'i64') return new Int32Array(values.buffer, values.byteOffset, 2 * n);
  const out = new Int32Array(2 * n);
  const v = values as Int32Array;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    out[2 * i] = x;
    out[2 * i + 1] = x >> 31;
  }
  return out;
}

/** Int64 words as doubles (rounded to nearest above 2^53, as a cast to DOUBLE does). */
export function wordsToFloat64(
  w: Int32Array,
  n: number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) out[i] = w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0);
  return out;
}

/**
 * Floor division of the Int64 at word pair `i` by a positive `d` <= 2^30, exactly, without BigInt.
 * Returns the quotient (exact while it is a safe integer: always for d >= 1024, and for any
 * d when |v| < 2^53 · d) and stores the remainder
 * (in [0, d)) in `rem[0]`. Used to split timestamps into seconds and sub-second units.
 *
 * How: q0 = floor(approx(v) / d) is off by at most a few units because approx(v) is within 2^10 of
 * v; the remainder v - q0·d is then small, so it is exact when computed modulo 2^32 from the low
 * word and `Math.imul`, and one correction step lands on the true quotient.
 */
export function floorDivWords(w: Int32Array, i: number, d: number, rem: Float64Array): number {
  const lo = w[2 * i]! >>> 0;
  const hi = w[2 * i + 1]!;
  let q = Math.floor((hi * TWO32 + lo) / d);
  // low 32 bits of q*d: only q mod 2^32 matters.
  const qlo = q - Math.floor(q / TWO32) * TWO32;
  let r = (lo - Math.imul(qlo, d)) >>> 0;
  // The true remainder v - q·d is within a few units of d around [0, d) (d <= 2^30 keeps it
  // inside ±2^31), so its low 32 bits read as a signed value are the remainder itself.
  if (r >= 2147483648) r -= TWO32;
  while (r < 0) {
    r += d;
    q -= 1;
  }
  while (r >= d) {
    r -= d;
    q += 1;
  }
  rem[0] = r;
  return q;
}
