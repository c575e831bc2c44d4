/**
 * Integer arithmetic kernels (TINYINT, SMALLINT, INT, BIGINT), and the typing rules of every
 * arithmetic operator. Float results are computed by the fused evaluator in `fused.ts`.
 *
 * Typing (as Flink / SQL widen numbers; `promote` in layout.ts):
 * - add, sub, mul, mod: the wider operand kind (INT + BIGINT → BIGINT, INT + FLOAT → FLOAT, …).
 * - div and pow: DOUBLE when both operands are integers (true division, as JS `/`, pandas and
 *   Python 3 do; no silent truncation), otherwise the wider float kind.
 * - neg, abs: the operand's kind.
 *
 * Faults:
 * - Integer overflow (a valid row whose exact result does not fit the result kind) throws a
 *   RangeError naming the row and the operands. Values under null rows are never checked.
 * - Division or modulo of two integers by zero gives null for that row (SQL has no integer
 *   infinity; Spark does the same). With a float operand, IEEE rules apply (±Infinity, NaN).
 * - `mod` is the truncated remainder (sign of the dividend), as SQL MOD, Java `%` and JS `%`.
 *
 * Every loop runs over all rows without branching on validity; the validity words are consulted
 * only on the rare overflow / zero-divisor branch. A scalar operand is read through an index mask
 * (`i & 0`), so one loop serves both the column-column and the column-scalar case.
 */
import * as arrow from 'apache-arrow';
import { andValidity, type BitsAt, type Validity, ValidityEditor, wordsOf } from '../bitmap.js';
import {
  fitsInt64,
  isSafeAt,
  TWO32,
  toBigInt,
  toNumber,
  widenToWords,
  writeBigInt,
  writeNumber,
} from './int64.js';
import {
  allocFloat64,
  arrowTypeOf,
  fixedVector,
  intRange,
  isIntKind,
  kindName,
  type NumKind,
  promote,
  type TypedArray,
} from './layout.js';

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow';
export type UnaryOp = 'neg' | 'abs';

/** One operand: a column (values row 0 at index 0) or a scalar (a one-element array). */
export interface NumInput {
  readonly kind: NumKind;
  /** Column values, or the scalar as a one-element typed array of `kind` (BigInt64Array for i64). */
  readonly values: TypedArray;
  readonly scalar: boolean;
  readonly validity: BitsAt | null;
}

/** Result kind of a binary operator (see the module comment). */
export function resultKind(op: ArithOp, a: NumKind, b: NumKind): NumKind {
  if ((op === 'div' || op === 'pow') && isIntKind(a) && isIntKind(b)) return 'f64';
  return promote(a, b);
}

const SYMBOL: Record<ArithOp, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%', pow: '**' };

/** Whether bit i of validity words is set (no words: every row valid). */
function validAt(vw: Int32Array | null, i: number): boolean {
  return vw === null || ((vw[i >>> 5]! >>> (i & 31)) & 1) !== 0;
}

/**
 * `a op b` for operands whose result kind is an integer kind, or `div` of two integers.
 * Widens both operands to the result kind as needed.
 */
export function integerArith(op: ArithOp, a: NumInput, b: NumInput, n: number): arrow.Vector {
  const k = resultKind(op, a.kind, b.kind);
  const validity = andValidity([a.scalar ? null : a.validity, b.scalar ? null : b.validity], n);
  const vw = validity.bitmap ? wordsOf(validity.bitmap, 0, n) : null;
  const am = a.scalar ? 0 : -1;
  const bm = b.scalar ? 0 : -1;
  const an = a.scalar ? 1 : n;
  const bn = b.scalar ? 1 : n;

  if (op === 'div' || op === 'pow') {
    if (k !== 'f64')
      throw new TypeError(`integerArith: ${op} of ${a.kind} and ${b.kind} is a float operation`);
    return intDivide(op, a, b, n, validity, vw);
  }
  const fail = (row: number): never => {
    const x = valueText(a, row);
    const y = valueText(b, row);
    throw new RangeError(`${kindName(k)} overflow at row ${row}: ${x} ${SYMBOL[op]} ${y}`);
  };

  if (k === 'i64') {
    const x = widenToWords(a.values, a.kind, an);
    const y = widenToWords(b.values, b.kind, bn);
    const out = new Int32Array(2 * n);
    if (op === 'mod') {
      const nulls = new ValidityEditor(validity, n);
      i64mod(x, am, y, bm, out, n, vw, nulls);
      return fixedVector(new arrow.Int64(), out, n, nulls.finish());
    }
    const bad =
      op === 'add'
        ? i64add(x, am, y, bm, out, n, vw)
        : op === 'sub'
          ? i64sub(x, am, y, bm, out, n, vw)
          : i64mul(x, am, y, bm, out, n, vw);
    if (bad >= 0) fail(bad);
    return fixedVector(new arrow.Int64(), out, n, validity);
  }

  const Out = k === 'i8' ? Int8Array : k === 'i16' ? Int16Array : Int32Array;
  const out = new Out(n);
  const [lo, hi] = intRange(k);
  const x = a.values as Int32Array;
  const y = b.values as Int32Array;
  if (op === 'mod') {
    const nulls = new ValidityEditor(validity, n);
    for (let i = 0; i < n; i++) {
      const d = y[i & bm]!;
      out[i] = x[i & am]! % d;
      if (d === 0 && validAt(vw, i)) nulls.clear(i);
    }
    return fixedVector(arrowTypeOf(k), out, n, nulls.finish());
  }
  const bad =
    op === 'add'
      ? smallAdd(x, am, y, bm, out, n, lo, hi, vw)
      : op === 'sub'
        ? smallSub(x, am, y, bm, out, n, lo, hi, vw)
        : smallMul(x, am, y, bm, out, n, lo, hi, vw);
  if (bad >= 0) fail(bad);
  return fixedVector(arrowTypeOf(k), out, n, validity);
}

/** `neg` / `abs` of an integer column. */
export function integerUnary(op: UnaryOp, a: NumInput, n: number): arrow.Vector {
  const validity = andValidity([a.validity], n);
  const vw = validity.bitmap ? wordsOf(validity.bitmap, 0, n) : null;
  const fail = (row: number): never => {
    throw new RangeError(`${kindName(a.kind)} overflow at row ${row}: ${op}(${valueText(a, row)})`);
  };
  if (a.kind === 'i64') {
    const x = widenToWords(a.values, 'i64', n);
    const out = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const l = x[2 * i]! >>> 0;
      const h = x[2 * i + 1]!;
      if (op === 'abs' && h >= 0) {
        out[2 * i] = l;
        out[2 * i + 1] = h;
        continue;
      }
      const rl = -l;
      const rh = -h - (rl < 0 ? 1 : 0);
      out[2 * i] = rl | 0;
      out[2 * i + 1] = rh | 0;
      if (rh > 2147483647 && validAt(vw, i)) fail(i);
    }
    return fixedVector(new arrow.Int64(), out, n, validity);
  }
  const Out = a.kind === 'i8' ? Int8Array : a.kind === 'i16' ? Int16Array : Int32Array;
  const out = new Out(n);
  const hi = intRange(a.kind)[1];
  const x = a.values as Int32Array;
  if (op === 'neg') {
    for (let i = 0; i < n; i++) {
      const r = -x[i]!;
      out[i] = r;
      if (r > hi && validAt(vw, i)) fail(i);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const r = Math.abs(x[i]!);
      out[i] = r;
      if (r > hi && validAt(vw, i)) fail(i);
    }
  }
  return fixedVector(arrowTypeOf(a.kind), out, n, validity);
}

function valueText(a: NumInput, row: number): string {
  const i = a.scalar ? 0 : row;
  return String(a.values[i]);
}

function smallAdd(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array | Int16Array | Int8Array,
  n: number,
  lo: number,
  hi: number,
  vw: Int32Array | null,
): number {
  for (let i = 0; i < n; i++) {
    const r = x[i & xm]! + y[i & ym]!;
    out[i] = r;
    if ((r < lo || r > hi) && validAt(vw, i)) return i;
  }
  return -1;
}

function smallSub(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array | Int16Array | Int8Array,
  n: number,
  lo: number,
  hi: number,
  vw: Int32Array | null,
): number {
  for (let i = 0; i < n; i++) {
    const r = x[i & xm]! - y[i & ym]!;
    out[i] = r;
    if ((r < lo || r > hi) && validAt(vw, i)) return i;
  }
  return -1;
}

function smallMul(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array | Int16Array | Int8Array,
  n: number,
  lo: number,
  hi: number,
  vw: Int32Array | null,
): number {
  // |x·y| < 2^62: the double product may be rounded, but then it is out of range anyway.
  for (let i = 0; i < n; i++) {
    const r = x[i & xm]! * y[i & ym]!;
    out[i] = r;
    if ((r < lo || r > hi) && validAt(vw, i)) return i;
  }
  return -1;
}

function i64add(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array,
  n: number,
  vw: Int32Array | null,
): number {
  for (let i = 0; i < n; i++) {
    const xi = 2 * (i & xm);
    const yi = 2 * (i & ym);
    const l = (x[xi]! >>> 0) + (y[yi]! >>> 0);
    const h = x[xi + 1]! + y[yi + 1]! + (l >= TWO32 ? 1 : 0);
    out[2 * i] = l | 0;
    out[2 * i + 1] = h | 0;
    if ((h > 2147483647 || h < -2147483648) && validAt(vw, i)) return i;
  }
  return -1;
}

function i64sub(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array,
  n: number,
  vw: Int32Array | null,
): number {
  for (let i = 0; i < n; i++) {
    const xi = 2 * (i & xm);
    const yi = 2 * (i & ym);
    const l = (x[xi]! >>> 0) - (y[yi]! >>> 0);
    const h = x[xi + 1]! - y[yi + 1]! - (l < 0 ? 1 : 0);
    out[2 * i] = l | 0;
    out[2 * i + 1] = h | 0;
    if ((h > 2147483647 || h < -2147483648) && validAt(vw, i)) return i;
  }
  return -1;
}

function i64mul(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array,
  n: number,
  vw: Int32Array | null,
): number {
  for (let i = 0; i < n; i++) {
    const xi = i & xm;
    const yi = i & ym;
    if (isSafeAt(x, xi) && isSafeAt(y, yi)) {
      const p = toNumber(x, xi) * toNumber(y, yi);
      // Both factors exact and |p| < 2^53: p is the exact product.
      if (p < 9007199254740992 && p > -9007199254740992) {
        writeNumber(out, i, p);
        continue;
      }
    }
    const big = toBigInt(x, xi) * toBigInt(y, yi);
    if (fitsInt64(big)) writeBigInt(out, i, big);
    else if (validAt(vw, i)) return i;
  }
  return -1;
}

function i64mod(
  x: Int32Array,
  xm: number,
  y: Int32Array,
  ym: number,
  out: Int32Array,
  n: number,
  vw: Int32Array | null,
  nulls: ValidityEditor,
): void {
  for (let i = 0; i < n; i++) {
    const xi = i & xm;
    const yi = i & ym;
    if (y[2 * yi]! === 0 && y[2 * yi + 1]! === 0) {
      out[2 * i] = 0;
      out[2 * i + 1] = 0;
      if (validAt(vw, i)) nulls.clear(i);
    } else if (isSafeAt(x, xi) && isSafeAt(y, yi)) {
      writeNumber(out, i, toNumber(x, xi) % toNumber(y, yi));
    } else {
      // BigInt % truncates like JS `%`; MIN % -1 is 0 and fits.
      writeBigInt(out, i, toBigInt(x, xi) % toBigInt(y, yi));
    }
  }
}

/** `/` or `**` of two integer operands: a DOUBLE column; division by zero gives null. */
function intDivide(
  op: 'div' | 'pow',
  a: NumInput,
  b: NumInput,
  n: number,
  validity: Validity,
  vw: Int32Array | null,
): arrow.Vector {
  const x = asFloat64(a, a.scalar ? 1 : n);
  const y = asFloat64(b, b.scalar ? 1 : n);
  const xm = a.scalar ? 0 : -1;
  const ym = b.scalar ? 0 : -1;
  const out = allocFloat64(n);
  if (op === 'pow') {
    for (let i = 0; i < n; i++) out[i] = x[i & xm]! ** y[i & ym]!;
    return fixedVector(new arrow.Float64(), out, n, validity);
  }
  const nulls = new ValidityEditor(validity, n);
  for (let i = 0; i < n; i++) {
    const d = y[i & ym]!;
    out[i] = x[i & xm]! / d;
    if (d === 0 && validAt(vw, i)) nulls.clear(i);
  }
  return fixedVector(new arrow.Float64(), out, n, nulls.finish());
}

/** Integer operand values as doubles (a view-free copy for BIGINT, the array itself otherwise). */
function asFloat64(a: NumInput, n: number): ArrayLike<number> {
  if (a.kind !== 'i64') return a.values as ArrayLike<number>;
  const w = widenToWords(a.values, 'i64', n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = toNumber(w, i);
  return out;
}
