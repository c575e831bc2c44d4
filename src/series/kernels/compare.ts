/**
 * Comparison kernels: eq ne lt le gt ge → BOOLEAN, null where either side is null.
 *
 * - Numbers compare by value after promotion; two integer columns of which one is BIGINT compare
 *   exactly on their 32-bit words; with a float involved they compare as doubles (as SQL does).
 *   NaN compares as in JS / IEEE (unequal to everything, itself included).
 * - Strings compare by their UTF-8 bytes, which is code point order (Flink's order too; note that
 *   JS `<` on strings compares UTF-16 units, which differs for characters above U+FFFF).
 * - Booleans: false < true, on whole words.
 *
 * Results are packed 32 rows per word as they are computed. `gt` / `ge` are `lt` / `le` with the
 * operands swapped and `ne` is the complement of `eq`, so there are three loops per layout.
 *
 * @example
 * compareNumbers('lt', f64(1, 5), 0, -1, f64(3), 0, 0, 2); // bits 0b01
 */
import * as arrow from 'apache-arrow';
import { sameArrowLayout } from '../../types/arrow-mapping.js';
import { decimalToBigInt } from '../../types/decimal.js';
import {
  andValidity as andBits,
  type BitsAt,
  newBitmap,
  type Validity,
  wordCount,
  wordsOf,
  wordView,
} from '../bitmap.js';
import { widenToWords, wordsToFloat64 } from './int64.js';
import {
  boolVector,
  int64Words,
  isIntKind,
  type NumKind,
  numKind,
  typeName,
  vectorBits,
  vectorStrings,
  vectorValidity,
  vectorValues,
} from './layout.js';

export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** The operator with its operands swapped (`a < b` is `b > a`). */
export function swapOp(op: CmpOp): CmpOp {
  return ({ eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' } as const)[op];
}

/** Complements the first `n` bits of a result bitmap in place (for `ne`). */
function complement(bits: Uint8Array, n: number): void {
  const w = wordView(bits);
  const words = wordCount(n);
  for (let k = 0; k < words; k++) w[k] = ~w[k]!;
}

/** Number-valued arrays read as doubles; `xm` / `ym` are 0 for a scalar (one element), -1 for a column. */
type Num = ArrayLike<number>;

/** Compares two number arrays (or a column and a scalar) into value bits. */
export function compareNumbers(op: CmpOp, x: Num, xm: number, y: Num, ym: number, n: number): Uint8Array {
  switch (op) {
    case 'eq':
      return eqF(x, xm, y, ym, n);
    case 'ne': {
      const r = eqF(x, xm, y, ym, n);
      complement(r, n);
      return r;
    }
    case 'lt':
      return ltF(x, xm, y, ym, n);
    case 'le':
      return leF(x, xm, y, ym, n);
    case 'gt':
      return ltF(y, ym, x, xm, n);
    case 'ge':
      return leF(y, ym, x, xm, n);
  }
}

function eqF(x: Num, xm: number, y: Num, ym: number, n: number): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  for (let base = 0; base < n; base += 32) {
    const end = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < end; j++) {
      const i = base + j;
      word |= (x[i & xm]! === y[i & ym]! ? 1 : 0) << j;
    }
    w[base >>> 5] = word;
  }
  return out;
}

function ltF(x: Num, xm: number, y: Num, ym: number, n: number): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  for (let base = 0; base < n; base += 32) {
    const end = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < end; j++) {
      const i = base + j;
      word |= (x[i & xm]! < y[i & ym]! ? 1 : 0) << j;
    }
    w[base >>> 5] = word;
  }
  return out;
}

function leF(x: Num, xm: number, y: Num, ym: number, n: number): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  for (let base = 0; base < n; base += 32) {
    const end = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < end; j++) {
      const i = base + j;
      word |= (x[i & xm]! <= y[i & ym]! ? 1 : 0) << j;
    }
    w[base >>> 5] = word;
  }
  return out;
}

/** Compares two Int64 word arrays (row i at words 2i, 2i+1; scalars have one row) into value bits. */
export function compareInt64(
  op: CmpOp,
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  n: number,
): Uint8Array {
  switch (op) {
    case 'eq':
      return eq64(x, xm, y, ym, n);
    case 'ne': {
      const r = eq64(x, xm, y, ym, n);
      complement(r, n);
      return r;
    }
    case 'lt':
      return lt64(x, xm, y, ym, n, 0);
    case 'le':
      return lt64(x, xm, y, ym, n, 1);
    case 'gt':
      return lt64(y, ym, x, xm, n, 0);
    case 'ge':
      return lt64(y, ym, x, xm, n, 1);
  }
}

function eq64(x: Int32Array, xm: number, y: Int32Array, ym: number, n: number): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  for (let base = 0; base < n; base += 32) {
    const end = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < end; j++) {
      const i = base + j;
      const a = 2 * (i & xm);
      const b = 2 * (i & ym);
      word |= (x[a]! === y[b]! && x[a + 1]! === y[b + 1]! ? 1 : 0) << j;
    }
    w[base >>> 5] = word;
  }
  return out;
}

/** x < y (orEqual = 0) or x <= y (orEqual = 1): signed high words, then unsigned low words. */
function lt64(x: Int32Array, xm: number, y: Int32Array, ym: number, n: number, orEqual: number): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  for (let base = 0; base < n; base += 32) {
    const end = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < end; j++) {
      const i = base + j;
      const a = 2 * (i & xm);
      const b = 2 * (i & ym);
      const xh = x[a + 1]!;
      const yh = y[b + 1]!;
      let r: number;
      if (xh !== yh) r = xh < yh ? 1 : 0;
      else {
        const xl = x[a]! >>> 0;
        const yl = y[b]! >>> 0;
        r = xl < yl || (orEqual === 1 && xl === yl) ? 1 : 0;
      }
      word |= r << j;
    }
    w[base >>> 5] = word;
  }
  return out;
}

/** Three-way comparison of two byte ranges (unsigned, lexicographic; a prefix sorts first). */
export function compareBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): number {
  const la = ae - as;
  const lb = be - bs;
  const m = Math.min(la, lb);
  for (let k = 0; k < m; k++) {
    const d = a[as + k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** Compares strings (offsets + bytes; a scalar is one row with `m` = 0) into value bits. */
export function compareStrings(
  op: CmpOp,
  xo: Int32Array,
  xb: Uint8Array,
  xm: number,
  yo: Int32Array,
  yb: Uint8Array,
  ym: number,
  n: number,
): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  const eqOnly = op === 'eq' || op === 'ne';
  for (let base = 0; base < n; base += 32) {
    const end = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < end; j++) {
      const i = base + j;
      const a = i & xm;
      const b = i & ym;
      const as = xo[a]!;
      const ae = xo[a + 1]!;
      const bs = yo[b]!;
      const be = yo[b + 1]!;
      let c: number;
      if (eqOnly && ae - as !== be - bs) c = 1;
      else c = compareBytes(xb, as, ae, yb, bs, be);
      word |= (holds(op, c) ? 1 : 0) << j;
    }
    w[base >>> 5] = word;
  }
  return out;
}

/** Whether a three-way comparison result satisfies the operator. */
export function holds(op: CmpOp, c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
  }
}

/**
 * Compares boolean bit columns word at a time (false < true). `x` / `y` are words of row bits;
 * a scalar is a word of all zeros or all ones.
 */
export function compareBools(op: CmpOp, x: Int32Array, y: Int32Array, n: number): Uint8Array {
  const out = newBitmap(n);
  const w = wordView(out);
  const words = wordCount(n);
  for (let k = 0; k < words; k++) {
    const a = x[k]!;
    const b = y[k]!;
    let r: number;
    switch (op) {
      case 'eq':
        r = ~(a ^ b);
        break;
      case 'ne':
        r = a ^ b;
        break;
      case 'lt':
        r = ~a & b;
        break;
      case 'le':
        r = ~a | b;
        break;
      case 'gt':
        r = a & ~b;
        break;
      default:
        r = a | ~b;
    }
    w[k] = r;
  }
  return out;
}

/** Words of a boolean operand: a column's bits, or a constant word for a scalar. */
export function boolWords(bits: Uint8Array | null, offset: number, scalar: boolean, n: number): Int32Array {
  if (bits) return wordsOf(bits, offset, n);
  return new Int32Array(wordCount(n)).fill(scalar ? -1 : 0);
}

/**
 * `a op b` over whole vectors, with nulls: `b` is a vector of the same length, or (when `scalar`)
 * a one-row vector standing for a scalar. Numbers of any kinds compare by value; dates, times and
 * timestamps need the same Arrow type on both sides; decimals compare by value at any scale.
 */
export function compareVectors(op: CmpOp, a: arrow.Vector, b: arrow.Vector, scalar: boolean): arrow.Vector {
  const n = a.length;
  const validity = andValidity(
    [vectorValidity(a), vectorValidity(b)].map((v, k) => (k === 1 && scalar ? scalarValidity(v) : v)),
    n,
  );
  if (validity === null) return allNullBool(n);
  const bm = scalar ? 0 : -1;
  const bn = scalar ? 1 : n;
  const ka = numKind(a.type);
  const kb = numKind(b.type);
  let bits: Uint8Array;
  if (ka && kb) {
    if (isIntKind(ka) && isIntKind(kb) && (ka === 'i64' || kb === 'i64')) {
      bits = compareInt64(
        op,
        widenToWords(vectorValues(a), ka, n),
        -1,
        widenToWords(vectorValues(b), kb, bn),
        bm,
        n,
      );
    } else {
      bits = compareNumbers(op, asNumbers(a, ka, n), -1, asNumbers(b, kb, bn), bm, n);
    }
  } else if (isTemporal(a.type) && sameArrowLayout(a.type, b.type)) {
    const va = vectorValues(a);
    const vb = vectorValues(b);
    bits =
      va instanceof BigInt64Array
        ? compareInt64(op, int64Words(va), -1, int64Words(vb), bm, n)
        : compareNumbers(op, va as Int32Array, -1, vb as Int32Array, bm, n);
  } else if (isVarBytes(a.type) && isVarBytes(b.type) && a.type.typeId === b.type.typeId) {
    const x = vectorStrings(a);
    const y = vectorStrings(b);
    bits = compareStrings(op, x.offsets, x.bytes, -1, y.offsets, y.bytes, bm, n);
  } else if (a.type.typeId === arrow.Type.Bool && b.type.typeId === arrow.Type.Bool) {
    const x = vectorBits(a);
    const y = vectorBits(b);
    const yw = scalar
      ? boolWords(null, 0, ((y.bits[y.offset >>> 3]! >>> (y.offset & 7)) & 1) === 1, n)
      : wordsOf(y.bits, y.offset, n);
    bits = compareBools(op, wordsOf(x.bits, x.offset, n), yw, n);
  } else if (a.type.typeId === arrow.Type.Decimal && b.type.typeId === arrow.Type.Decimal) {
    bits = compareDecimals(op, a, b, bm, n);
  } else {
    throw new TypeError(`cannot compare ${typeName(a.type)} with ${typeName(b.type)}`);
  }
  return boolVector(bits, n, validity);
}

/** The validity of a one-row scalar vector spread over all rows: null when the scalar is valid. */
function scalarValidity(v: BitsAt | null): BitsAt | null | 'null' {
  if (v === null) return null;
  return ((v.bits[v.offset >>> 3]! >>> (v.offset & 7)) & 1) === 1 ? null : 'null';
}

function andValidity(inputs: (BitsAt | null | 'null')[], n: number): Validity | null {
  if (inputs.includes('null')) return null;
  return andBits(inputs as (BitsAt | null)[], n);
}

function allNullBool(n: number): arrow.Vector {
  return boolVector(newBitmap(n), n, { bitmap: newBitmap(n), nullCount: n });
}

function asNumbers(v: arrow.Vector, kind: NumKind, n: number): ArrayLike<number> {
  const values = vectorValues(v);
  if (kind === 'i64') return wordsToFloat64(int64Words(values), n);
  return values as ArrayLike<number>;
}

function isTemporal(t: arrow.DataType): boolean {
  return t.typeId === arrow.Type.Date || t.typeId === arrow.Type.Time || t.typeId === arrow.Type.Timestamp;
}

function isVarBytes(t: arrow.DataType): boolean {
  return t.typeId === arrow.Type.Utf8 || t.typeId === arrow.Type.Binary;
}

/** Decimals by value (rescaled to the larger scale), through BigInt: not a hot path. */
function compareDecimals(op: CmpOp, a: arrow.Vector, b: arrow.Vector, bm: number, n: number): Uint8Array {
  const sa = (a.type as arrow.Decimal).scale;
  const sb = (b.type as arrow.Decimal).scale;
  const fa = 10n ** BigInt(Math.max(0, sb - sa));
  const fb = 10n ** BigInt(Math.max(0, sa - sb));
  const xa = vectorValues(a) as Uint32Array;
  const xb = vectorValues(b) as Uint32Array;
  const out = newBitmap(n);
  for (let i = 0; i < n; i++) {
    const x = decimalToBigInt(xa, 4 * i) * fa;
    const y = decimalToBigInt(xb, 4 * (i & bm)) * fb;
    if (holds(op, x < y ? -1 : x > y ? 1 : 0)) out[i >>> 3]! |= 1 << (i & 7);
  }
  return out;
}
