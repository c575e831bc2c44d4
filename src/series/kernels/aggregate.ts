/**
 * Aggregations of one column to a scalar, skipping nulls (as SQL and pandas do).
 *
 * - `sum`: a number for TINYINT…INT and floats (exact for integers while |sum| < 2^53), a bigint
 *   for BIGINT (exact at any size: the 32-bit halves are summed in doubles and carried into a
 *   BigInt every 2^20 rows, so there is no BigInt per row), a decimal string for DECIMAL (exact,
 *   the column's scale). 0 (`0n`, `'0.00'`) when there is no value.
 * - `mean`, `variance` (sample variance by default, `ddof` = 1 as pandas and Flink's VAR_SAMP),
 *   `std`: doubles, NaN when there are too few values. Variance is two-pass (mean first), which
 *   keeps it accurate for data far from zero.
 * - `minMaxIndex`: the row of the smallest / largest value (first one on ties), -1 when there is
 *   no value; the Series turns it into the row's JS value. NaN is skipped unless every value is NaN.
 *
 * Rows are visited 32 at a time: a word of the validity bitmap that is all ones runs a plain loop,
 * other words visit their set bits.
 *
 * @example
 * sum(vectorFromArray([1n, null, 2n ** 62n], new Int64())); // 4611686018427387905n
 */
import * as arrow from 'apache-arrow';
import { decimalToBigInt } from '../../types/decimal.js';
import { wordCount, wordsOf } from '../bitmap.js';
import { decimalToNumber } from './cast.js';
import { compareBytes } from './compare.js';
import { wordsToFloat64 } from './int64.js';
import {
  int64Words,
  numKind,
  typeName,
  vectorBits,
  vectorStrings,
  vectorValidity,
  vectorValues,
} from './layout.js';

/** Validity words of a vector (null when no row is null). */
function validWords(vector: arrow.Vector): Int32Array | null {
  const v = vectorValidity(vector);
  return v ? wordsOf(v.bits, v.offset, vector.length) : null;
}

/** Calls `f(i)` for every valid row, 32 rows per validity word. */
function forValid(valid: Int32Array | null, n: number, f: (i: number) => void): void {
  if (valid === null) {
    for (let i = 0; i < n; i++) f(i);
    return;
  }
  const words = wordCount(n);
  for (let k = 0; k < words; k++) {
    let w = valid[k]!;
    const base = k << 5;
    if (w === -1 && base + 32 <= n) {
      for (let i = base; i < base + 32; i++) f(i);
      continue;
    }
    while (w !== 0) {
      const i = base + 31 - Math.clz32(w & -w);
      if (i >= n) break;
      f(i);
      w &= w - 1;
    }
  }
}

/** Non-null rows. */
export function count(vector: arrow.Vector): number {
  if (vector.type.typeId === arrow.Type.Null) return 0;
  return vector.length - vector.nullCount;
}

function numericValues(vector: arrow.Vector, what: string): ArrayLike<number> {
  if (vector.type.typeId === arrow.Type.Decimal) {
    const x = vectorValues(vector) as Uint32Array;
    const scale = (vector.type as arrow.Decimal).scale;
    const out = new Float64Array(vector.length);
    for (let i = 0; i < out.length; i++) out[i] = decimalToNumber(x, i, scale);
    return out;
  }
  const kind = numKind(vector.type);
  if (!kind)
    throw new TypeError(`${what} needs a numeric column, got ${typeName(vector.type)}; cast it first`);
  const values = vectorValues(vector);
  if (kind === 'i64') return wordsToFloat64(int64Words(values), vector.length);
  return values as ArrayLike<number>;
}

/** Sum of the non-null values (bigint for BIGINT, a decimal string for DECIMAL, number otherwise). */
export function sum(vector: arrow.Vector): number | bigint | string {
  const n = vector.length;
  const valid = validWords(vector);
  if (vector.type.typeId === arrow.Type.Decimal) {
    const x = vectorValues(vector) as Uint32Array;
    let total = 0n;
    forValid(valid, n, (i) => {
      total += decimalToBigInt(x, 4 * i);
    });
    return formatUnscaled(total, (vector.type as arrow.Decimal).scale);
  }
  if (numKind(vector.type) === 'i64') return sumInt64(int64Words(vectorValues(vector)), valid, n);
  const x = numericValues(vector, 'sum');
  if (valid === null) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]!;
    return s;
  }
  return sumValid(x, valid, n, 0);
}

/** Σ (x[i] - shift) over valid rows, or Σ (x[i] - shift)² when `square`; inlined word loop. */
function sumValid(x: ArrayLike<number>, valid: Int32Array, n: number, shift: number, square = false): number {
  let s = 0;
  const words = wordCount(n);
  for (let k = 0; k < words; k++) {
    let w = valid[k]!;
    const base = k << 5;
    if (w === -1 && base + 32 <= n) {
      if (square) {
        for (let i = base; i < base + 32; i++) {
          const d = x[i]! - shift;
          s += d * d;
        }
      } else {
        for (let i = base; i < base + 32; i++) s += x[i]! - shift;
      }
      continue;
    }
    while (w !== 0) {
      const i = base + 31 - Math.clz32(w & -w);
      if (i >= n) break;
      const d = x[i]! - shift;
      s += square ? d * d : d;
      w &= w - 1;
    }
  }
  return s;
}

function sumInt64(w: Int32Array, valid: Int32Array | null, n: number): bigint {
  let total = 0n;
  let lo = 0; // sum of unsigned low words: < 2^52 for 2^20 rows
  let hi = 0; // sum of signed high words: |.| < 2^51 for 2^20 rows
  let pending = 0;
  const flush = () => {
    total += BigInt(hi) * 4294967296n + BigInt(lo);
    lo = 0;
    hi = 0;
    pending = 0;
  };
  forValid(valid, n, (i) => {
    lo += w[2 * i]! >>> 0;
    hi += w[2 * i + 1]!;
    if (++pending === 1048576) flush();
  });
  flush();
  return total;
}

/** Mean of the non-null values (NaN when there is none). */
export function mean(vector: arrow.Vector): number {
  const c = count(vector);
  if (c === 0) return Number.NaN;
  const s = sum(vector);
  return typeof s === 'number' ? s / c : Number(s) / c;
}

/** An unscaled decimal as plain notation with exactly `scale` fraction digits. */
function formatUnscaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const cut = digits.length - scale;
  const text = scale === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return neg ? `-${text}` : text;
}

/** Variance of the non-null values with `ddof` delta degrees of freedom (NaN when count <= ddof). */
export function variance(vector: arrow.Vector, ddof = 1): number {
  const n = vector.length;
  const c = count(vector);
  if (c - ddof <= 0) return Number.NaN;
  const m = mean(vector);
  const x = numericValues(vector, 'var');
  const valid = validWords(vector);
  let ss = 0;
  if (valid === null) {
    for (let i = 0; i < n; i++) {
      const d = x[i]! - m;
      ss += d * d;
    }
  } else {
    ss = sumValid(x, valid, n, m, true);
  }
  return ss / (c - ddof);
}

/** Row of the minimum (`max` false) or maximum (`max` true) non-null value; -1 when there is none. */
export function minMaxIndex(vector: arrow.Vector, max: boolean): number {
  const n = vector.length;
  if (vector.type.typeId === arrow.Type.Null) return -1;
  const valid = validWords(vector);
  const sign = max ? -1 : 1; // compare sign * (x - best) < 0
  let best = -1;
  const type = vector.type;
  const kind = numKind(type);
  const values = kind || isFixedTemporal(type) ? vectorValues(vector) : null;
  if (values !== null && !(values instanceof BigInt64Array)) {
    const x = values as ArrayLike<number>;
    let nanRow = -1;
    let b = 0;
    forValid(valid, n, (i) => {
      const v = x[i]!;
      if (Number.isNaN(v)) {
        if (nanRow < 0) nanRow = i;
      } else if (best < 0 || (max ? v > b : v < b)) {
        best = i;
        b = v;
      }
    });
    return best >= 0 ? best : nanRow;
  }
  if (values instanceof BigInt64Array) {
    const w = int64Words(values);
    forValid(valid, n, (i) => {
      if (best < 0) best = i;
      else {
        const h = w[2 * i + 1]!;
        const bh = w[2 * best + 1]!;
        const c = h !== bh ? h - bh : (w[2 * i]! >>> 0) - (w[2 * best]! >>> 0);
        if (sign * c < 0) best = i;
      }
    });
    return best;
  }
  switch (type.typeId) {
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const { offsets, bytes } = vectorStrings(vector);
      forValid(valid, n, (i) => {
        if (best < 0) best = i;
        else {
          const c = compareBytes(
            bytes,
            offsets[i]!,
            offsets[i + 1]!,
            bytes,
            offsets[best]!,
            offsets[best + 1]!,
          );
          if (sign * c < 0) best = i;
        }
      });
      return best;
    }
    case arrow.Type.Bool: {
      const { bits, offset } = vectorBits(vector);
      let bv = 0;
      forValid(valid, n, (i) => {
        const p = offset + i;
        const v = (bits[p >>> 3]! >>> (p & 7)) & 1;
        if (best < 0 || sign * (v - bv) < 0) {
          best = i;
          bv = v;
        }
      });
      return best;
    }
    case arrow.Type.Decimal: {
      const x = vectorValues(vector) as Uint32Array;
      let bv = 0n;
      forValid(valid, n, (i) => {
        const v = decimalToBigInt(x, 4 * i);
        if (best < 0 || (max ? v > bv : v < bv)) {
          best = i;
          bv = v;
        }
      });
      return best;
    }
    default:
      throw new TypeError(`min / max of ${typeName(type)} is not supported`);
  }
}

function isFixedTemporal(t: arrow.DataType): boolean {
  return t.typeId === arrow.Type.Date || t.typeId === arrow.Type.Time || t.typeId === arrow.Type.Timestamp;
}
