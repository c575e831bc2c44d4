/**
 * Null kernels: isNull / isNotNull (→ BOOLEAN without nulls) and coalesce (`fillNull`): rows that
 * are null in `a` take the row of `b` (a column of the same length, or a one-row column standing
 * for a scalar). Work goes word by word over the validity: words without a null are skipped.
 *
 * @example
 * // a = [1, null, 3], b = [9] (scalar) → [1, 9, 3]
 * coalesceFixed(Float64Array.of(1, 0, 3), wordsOf(valid, 0, 3), Float64Array.of(9), 0, 1, 3);
 */
import * as arrow from 'apache-arrow';
import {
  type BitsAt,
  finishBitmap,
  newBitmap,
  setBits,
  type Validity,
  wordCount,
  wordsOf,
  wordView,
} from '../bitmap.js';
import {
  boolVector,
  type TypedArray,
  vectorBits,
  vectorStrings,
  vectorValidity,
  vectorValues,
} from './layout.js';

/** isNull (`negate` false → isNotNull when true) of a vector as a BOOLEAN vector without nulls. */
export function nullMask(vector: arrow.Vector, notNull: boolean): arrow.Vector {
  const n = vector.length;
  const bits = newBitmap(n);
  const out = wordView(bits);
  const v =
    vector.type.typeId === arrow.Type.Null
      ? { bits: new Uint8Array(bits.length), offset: 0 }
      : vectorValidity(vector);
  if (v === null) {
    if (notNull) setBits(bits, 0, n);
  } else {
    const w = wordsOf(v.bits, v.offset, n);
    const words = wordCount(n);
    if (notNull) for (let k = 0; k < words; k++) out[k] = w[k]!;
    else for (let k = 0; k < words; k++) out[k] = ~w[k]!;
  }
  return boolVector(bits, n, { bitmap: null, nullCount: 0 });
}

/** Validity of coalesce(a, b): a row is valid when it is valid in a or in b (a scalar b: `bm` = 0). */
function unionValidity(av: Int32Array, b: BitsAt | null, bm: number, n: number): Validity {
  if (b === null) return { bitmap: null, nullCount: 0 };
  const words = wordCount(n);
  const out = newBitmap(n);
  const ow = wordView(out);
  if (bm === 0) {
    const one = (b.bits[b.offset >>> 3]! >>> (b.offset & 7)) & 1;
    if (one) return { bitmap: null, nullCount: 0 };
    for (let k = 0; k < words; k++) ow[k] = av[k]!;
  } else {
    const bw = wordsOf(b.bits, b.offset, n);
    for (let k = 0; k < words; k++) ow[k] = av[k]! | bw[k]!;
  }
  return finishBitmap(out, n);
}

/** Calls `f(i)` for every row i < n whose validity bit is 0. */
function forEachNull(valid: Int32Array, n: number, f: (i: number) => void): void {
  const words = wordCount(n);
  for (let k = 0; k < words; k++) {
    let inv = ~valid[k]!;
    if (inv === 0) continue;
    const base = k << 5;
    while (inv !== 0) {
      const j = 31 - Math.clz32(inv & -inv);
      const i = base + j;
      if (i >= n) break;
      f(i);
      inv &= inv - 1;
    }
  }
}

/**
 * coalesce(a, b) for fixed-width layouts (ints, floats, dates, times, timestamps, decimals,
 * fixed-size binary): `stride` elements per row of the flat values.
 */
export function coalesceFixed(a: arrow.Vector, b: arrow.Vector, scalar: boolean): arrow.Vector {
  const n = a.length;
  const av = vectorValidity(a);
  if (av === null) return a;
  const stride = a.data[0]?.stride ?? 1;
  const src = vectorValues(a);
  const out = (src as Float64Array).slice(0, n * stride) as TypedArray;
  const fill = vectorValues(b) as Float64Array;
  const bm = scalar ? 0 : -1;
  const valid = wordsOf(av.bits, av.offset, n);
  const o = out as Float64Array;
  forEachNull(valid, n, (i) => {
    const from = (i & bm) * stride;
    for (let k = 0; k < stride; k++) o[i * stride + k] = fill[from + k]!;
  });
  const validity = unionValidity(valid, vectorValidity(b), bm, n);
  return new arrow.Vector([
    arrow.makeData({
      type: a.type,
      length: n,
      data: out,
      nullBitmap: validity.bitmap ?? undefined,
      nullCount: validity.nullCount,
    } as never),
  ]);
}

/** coalesce(a, b) for BOOLEAN, on words: `(a & va) | (b & ~va)`. */
export function coalesceBool(a: arrow.Vector, b: arrow.Vector, scalar: boolean): arrow.Vector {
  const n = a.length;
  const av = vectorValidity(a);
  if (av === null) return a;
  const valid = wordsOf(av.bits, av.offset, n);
  const ab = vectorBits(a);
  const ax = wordsOf(ab.bits, ab.offset, n);
  const bb = vectorBits(b);
  const words = wordCount(n);
  const bx = scalar
    ? new Int32Array(words).fill((bb.bits[bb.offset >>> 3]! >>> (bb.offset & 7)) & 1 ? -1 : 0)
    : wordsOf(bb.bits, bb.offset, n);
  const bits = newBitmap(n);
  const out = wordView(bits);
  for (let k = 0; k < words; k++) out[k] = (ax[k]! & valid[k]!) | (bx[k]! & ~valid[k]!);
  return boolVector(bits, n, unionValidity(valid, vectorValidity(b), scalar ? 0 : -1, n));
}

/** coalesce(a, b) for Utf8 / Binary: bytes copied run by run, null rows from b. */
export function coalesceStrings(a: arrow.Vector, b: arrow.Vector, scalar: boolean): arrow.Vector {
  const n = a.length;
  const av = vectorValidity(a);
  if (av === null) return a;
  const valid = wordsOf(av.bits, av.offset, n);
  const A = vectorStrings(a);
  const B = vectorStrings(b);
  const bm = scalar ? 0 : -1;
  const isValid = (i: number) => ((valid[i >>> 5]! >>> (i & 31)) & 1) !== 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(i)) total += A.offsets[i + 1]! - A.offsets[i]!;
    else total += B.offsets[(i & bm) + 1]! - B.offsets[i & bm]!;
  }
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    let s: number;
    let e: number;
    let from: Uint8Array;
    if (isValid(i)) {
      s = A.offsets[i]!;
      e = A.offsets[i + 1]!;
      from = A.bytes;
    } else {
      s = B.offsets[i & bm]!;
      e = B.offsets[(i & bm) + 1]!;
      from = B.bytes;
    }
    if (e > s) bytes.set(from.subarray(s, e), at);
    at += e - s;
    offsets[i + 1] = at;
  }
  const validity = unionValidity(valid, vectorValidity(b), bm, n);
  return new arrow.Vector([
    arrow.makeData({
      type: a.type,
      length: n,
      valueOffsets: offsets,
      data: bytes,
      nullBitmap: validity.bitmap ?? undefined,
      nullCount: validity.nullCount,
    } as never),
  ]);
}
