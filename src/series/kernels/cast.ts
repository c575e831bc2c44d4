/**
 * `cast`: a column converted to another DataType.
 *
 * | from → to | how |
 * | --- | --- |
 * | same type | the same vector (no copy) |
 * | number → number | typed-array conversion; to an integer: floats truncate toward zero (as SQL); a value out of range, NaN or ±Infinity is invalid |
 * | BOOLEAN ↔ number | true = 1, false = 0; a number is true when not 0 (NaN is invalid) |
 * | DECIMAL ↔ number, DECIMAL → DECIMAL | exact through the unscaled integer; to an integer truncates, to a smaller scale rounds half up (Flink); too many digits is invalid |
 * | anything ↔ STRING | see cast-text.ts (number, boolean, decimal, date / time / timestamp formats, UTF-8 bytes) |
 * | DATE / TIME / TIMESTAMP(_LTZ) ↔ each other | see cast-temporal.ts |
 * | STRING → CHAR(n) / VARCHAR(n) | cut to n code points (CHAR pads with spaces), as Flink ≥ 1.16 |
 * | NULL → any | all null |
 *
 * An invalid value throws a {@link CastError} naming the row and the value, or becomes null when
 * `opts.invalid` is `'null'`. Null rows stay null (a NOT NULL target with a null is an error).
 *
 * @example
 * castVector(vectorFromArray([1.9, -1.9]), T.DOUBLE(), T.INT(), {}); // Int32 [1, -1]
 */
import * as arrow from 'apache-arrow';
import { toArrowType } from '../../types/arrow-mapping.js';
import {
  type DataType,
  isNumericKind,
  isStringKind,
  MAX_LENGTH,
  typeToString,
} from '../../types/data-types.js';
import { decimalToBigInt, writeDecimal128 } from '../../types/decimal.js';
import { createColumnBuilder } from '../column-builder.js';
import { CastError, type CastOptions, CastRun, shortestFloat32 } from './cast-common.js';
import { isTemporal, temporalCast } from './cast-temporal.js';
import { fromStringCast, resizeStrings, toStringCast } from './cast-text.js';
import { TWO32, widenToWords, wordsToFloat64, writeNumber } from './int64.js';
import {
  fixedVector,
  int64Words,
  intRange,
  isIntKind,
  type NumKind,
  numKind,
  vectorBits,
  vectorValues,
} from './layout.js';

export { CastError, type CastOptions } from './cast-common.js';

/** Converts `vector` (of DataType `from`) to DataType `to`. */
export function castVector(
  vector: arrow.Vector,
  from: DataType,
  to: DataType,
  opts: CastOptions = {},
): arrow.Vector {
  const out = castAny(vector, from, to, opts);
  if (!to.nullable && out.nullCount > 0) {
    throw new CastError(
      `cast ${typeToString(from)} to ${typeToString(to)}: ${out.nullCount} null rows for a NOT NULL type`,
    );
  }
  return out;
}

function castAny(vector: arrow.Vector, from: DataType, to: DataType, opts: CastOptions): arrow.Vector {
  const n = vector.length;
  if (from.kind === 'NULL' || vector.type.typeId === arrow.Type.Null) {
    const b = createColumnBuilder({ ...to, nullable: true } as DataType, n);
    for (let i = 0; i < n; i++) b.appendNull();
    return b.finish();
  }
  if (sameValues(from, to)) return vector;
  const run = new CastRun(vector, from, to, opts);
  if (to.kind === 'CHAR' || to.kind === 'VARCHAR') {
    const text = isStringKind(from.kind) ? vector : toStringCast(run);
    return to.length === MAX_LENGTH ? text : resizeStrings(text, to.kind === 'CHAR', to.length);
  }
  if (isStringKind(from.kind)) return fromStringCast(run);
  const fk = numKind(vector.type);
  const tk = isNumericKind(to.kind) ? numKind(toArrowType(to)) : null;
  if (fk && tk) return numberToNumber(run, fk, tk);
  if (from.kind === 'BOOLEAN' && tk) return boolToNumber(run, tk);
  if (fk && to.kind === 'BOOLEAN') return numberToBool(run, fk);
  if (from.kind === 'DECIMAL' || to.kind === 'DECIMAL') return decimalCast(run, fk, tk);
  if (isTemporal(from) && isTemporal(to)) return temporalCast(run);
  throw new TypeError(`cannot cast ${typeToString(from)} to ${typeToString(to)}`);
}

/** Whether the values need no conversion at all (nullability and string lengths aside). */
function sameValues(from: DataType, to: DataType): boolean {
  if (from.kind !== to.kind)
    return isStringKind(from.kind) && to.kind === 'VARCHAR' && to.length === MAX_LENGTH;
  switch (to.kind) {
    case 'DECIMAL':
      return from.kind === 'DECIMAL' && from.scale === to.scale && from.precision <= to.precision;
    case 'CHAR':
    case 'VARCHAR':
      return (
        to.length === MAX_LENGTH ||
        (from.kind === to.kind && from.length <= to.length && to.kind === 'VARCHAR')
      );
    case 'BINARY':
    case 'VARBINARY':
      return from.kind === to.kind && from.length === to.length;
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return (from as { precision: number }).precision === to.precision;
    case 'ARRAY':
    case 'MAP':
    case 'ROW':
      return typeToString({ ...from, nullable: true }) === typeToString({ ...to, nullable: true });
    default:
      return true;
  }
}

const TYPED: Record<
  Exclude<NumKind, 'i64'>,
  { new (n: number): Int8Array | Int16Array | Int32Array | Float32Array | Float64Array }
> = {
  i8: Int8Array,
  i16: Int16Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
};

function numberToNumber(run: CastRun, fk: NumKind, tk: NumKind): arrow.Vector {
  const n = run.n;
  const values = vectorValues(run.vector);
  const type = toArrowType(run.to);
  if (tk === 'i64') {
    if (isIntKind(fk)) return fixedVector(type, widenToWords(values, fk, n).slice(), n, run.base);
    const x = values as Float64Array;
    const out = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const t = Math.trunc(x[i]!);
      if (t >= -TWO63 && t < TWO63) writeNumber(out, i, t);
      else run.bad(i, `${x[i]} out of range`);
    }
    return fixedVector(type, out, n, run.validity());
  }
  const out = new TYPED[tk](n);
  const src: ArrayLike<number> =
    fk === 'i64' ? wordsToFloat64(int64Words(values), n) : (values as Float64Array);
  if (!isIntKind(tk)) {
    out.set(src);
    return fixedVector(type, out, n, run.base);
  }
  const [lo, hi] = intRange(tk);
  if (isIntKind(fk) && intRange(fk)[1] <= hi && fk !== 'i64') {
    out.set(src); // widening: always exact
    return fixedVector(type, out, n, run.base);
  }
  const words = fk === 'i64' ? int64Words(values) : null;
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    const t = Math.trunc(x);
    if (t >= lo && t <= hi) out[i] = t;
    else run.bad(i, `${words ? String(toBigIntText(words, i)) : String(x)} out of range`);
  }
  return fixedVector(type, out, n, run.validity());
}

function toBigIntText(w: Int32Array, i: number): string {
  return String((BigInt(w[2 * i + 1]!) << 32n) | BigInt(w[2 * i]! >>> 0));
}

function boolToNumber(run: CastRun, tk: NumKind): arrow.Vector {
  const n = run.n;
  const { bits, offset } = vectorBits(run.vector);
  const type = toArrowType(run.to);
  const out = tk === 'i64' ? new Int32Array(2 * n) : new TYPED[tk](n);
  const stride = tk === 'i64' ? 2 : 1;
  for (let i = 0; i < n; i++) {
    const p = offset + i;
    out[i * stride] = (bits[p >>> 3]! >>> (p & 7)) & 1;
  }
  return fixedVector(type, out, n, run.base);
}

function numberToBool(run: CastRun, fk: NumKind): arrow.Vector {
  const n = run.n;
  const values = vectorValues(run.vector);
  const out = new Uint8Array(((n + 63) >>> 6) << 3);
  if (fk === 'i64') {
    const w = int64Words(values);
    for (let i = 0; i < n; i++) if ((w[2 * i]! | w[2 * i + 1]!) !== 0) out[i >>> 3]! |= 1 << (i & 7);
  } else {
    const x = values as Float64Array;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (Number.isNaN(v)) run.bad(i, 'NaN is neither true nor false');
      else if (v !== 0) out[i >>> 3]! |= 1 << (i & 7);
    }
  }
  return fixedVector(new arrow.Bool(), out, n, run.validity());
}

/** 2^63 */
const TWO63 = 2 ** 63;

const POW10: bigint[] = Array.from({ length: 77 }, (_, i) => 10n ** BigInt(i));

/** Half-up division of a signed bigint by a power of ten (away from zero on a tie), as Flink rounds. */
function divRoundHalfUp(v: bigint, d: bigint): bigint {
  const q = v / d;
  const r = v - q * d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** DECIMAL ↔ numbers and DECIMAL → DECIMAL, through the unscaled integer. */
function decimalCast(run: CastRun, fk: NumKind | null, tk: NumKind | null): arrow.Vector {
  const { from, to, n } = run;
  const values = vectorValues(run.vector);
  const type = toArrowType(to);
  if (from.kind === 'DECIMAL' && tk) {
    const x = values as Uint32Array;
    const scale = POW10[from.scale]!;
    if (!isIntKind(tk)) {
      const out = new TYPED[tk as 'f32' | 'f64'](n);
      for (let i = 0; i < n; i++) out[i] = decimalToNumber(x, i, from.scale);
      return fixedVector(type, out, n, run.base);
    }
    const range = intRange(tk);
    const lo = tk === 'i64' ? -(2n ** 63n) : BigInt(range[0]);
    const hi = tk === 'i64' ? 2n ** 63n - 1n : BigInt(range[1]);
    const out = tk === 'i64' ? new Int32Array(2 * n) : new TYPED[tk](n);
    for (let i = 0; i < n; i++) {
      if (!run.isValid(i)) continue;
      const v = decimalToBigInt(x, 4 * i) / scale; // truncates toward zero
      if (v < lo || v > hi) {
        run.bad(i, `${v} out of range`);
        continue;
      }
      if (tk === 'i64') {
        out[2 * i] = Number(BigInt.asIntN(32, v));
        out[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
      } else out[i] = Number(v);
    }
    return fixedVector(type, out, n, run.validity());
  }
  if (to.kind !== 'DECIMAL') throw new TypeError(`cannot cast ${typeToString(from)} to ${typeToString(to)}`);
  const limit = POW10[to.precision]!;
  const out = new Uint32Array(4 * n);
  const put = (i: number, unscaled: bigint, shown: () => string) => {
    if (unscaled >= limit || unscaled <= -limit)
      run.bad(i, `${shown()} needs more than ${to.precision} digits`);
    else writeDecimal128(out, 4 * i, unscaled);
  };
  if (from.kind === 'DECIMAL') {
    const x = values as Uint32Array;
    const up = to.scale >= from.scale;
    const f = POW10[Math.abs(to.scale - from.scale)]!;
    for (let i = 0; i < n; i++) {
      if (!run.isValid(i)) continue;
      const v = decimalToBigInt(x, 4 * i);
      put(i, up ? v * f : divRoundHalfUp(v, f), () => String(v));
    }
  } else if (fk && isIntKind(fk)) {
    const w = widenToWords(values, fk, n);
    const f = POW10[to.scale]!;
    for (let i = 0; i < n; i++) {
      if (!run.isValid(i)) continue;
      const v = (BigInt(w[2 * i + 1]!) << 32n) | BigInt(w[2 * i]! >>> 0);
      put(i, v * f, () => String(v));
    }
  } else if (fk) {
    const x = fk === 'f32' ? floatsAsShortest(values as Float32Array, n) : (values as Float64Array);
    for (let i = 0; i < n; i++) {
      if (!run.isValid(i)) continue;
      const v = x[i]!;
      if (!Number.isFinite(v)) {
        run.bad(i, `${v} is not a decimal`);
        continue;
      }
      put(i, parseUnscaled(String(v), to.scale), () => String(v));
    }
  } else if (from.kind === 'BOOLEAN') {
    const { bits, offset } = vectorBits(run.vector);
    const one = POW10[to.scale]!;
    for (let i = 0; i < n; i++) {
      const p = offset + i;
      put(i, (bits[p >>> 3]! >>> (p & 7)) & 1 ? one : 0n, () => 'true');
    }
  } else {
    throw new TypeError(`cannot cast ${typeToString(from)} to ${typeToString(to)}`);
  }
  return fixedVector(type, out, n, run.validity());
}

/** FLOAT values as the doubles of their shortest decimal spelling (0.1f → 0.1, not 0.100000001…). */
function floatsAsShortest(x: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shortestFloat32(x[i]!);
  return out;
}

/** The unscaled value of a finite number's shortest spelling at `scale`, rounded half up. */
function parseUnscaled(text: string, scale: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text)!;
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0) + scale;
  let v: bigint;
  if (exp >= 0) v = BigInt(digits) * 10n ** BigInt(exp);
  else v = divRoundHalfUp(BigInt(digits), 10n ** BigInt(-exp));
  return m[1] === '-' ? -v : v;
}

/** A decimal's value as the nearest double. */
export function decimalToNumber(x: Uint32Array, i: number, scale: number): number {
  const b = 4 * i;
  const hi = x[b + 1]! | 0;
  // Fast path: the unscaled value is a safe integer and 10^scale is exact, so one division rounds once.
  const ext = x[b + 2]! === x[b + 3]! && (x[b + 2]! === 0 || x[b + 2]! === 0xffffffff);
  if (ext && scale <= 22 && hi >= -2097152 && hi < 2097152 && (x[b + 2]! === 0) === hi >= 0) {
    return (hi * TWO32 + x[b]!) / 10 ** scale;
  }
  const v = decimalToBigInt(x, b);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const cut = digits.length - scale;
  return Number(`${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut) || '0'}`);
}
