/**
 * `Series`: one column, a zero-copy view over an apache-arrow Vector (one or more chunks), with
 * null-aware vectorized kernels. This is what vectorized UDFs receive and return.
 *
 * ```ts
 * import { Series } from 'vecudf';
 * const a = Series.from(Float64Array.of(1, 2, 3), { name: 'a' });
 * const b = Series.from([10, null, 30]);
 * a.mul(2).add(b).toArray();            // [12, null, 36]
 * b.isNull().toArray();                 // [false, true, false]
 * Series.from(['Video', 'x']).str.lower().str.contains('video').toArray(); // [true, false]
 * ```
 *
 * Semantics in brief (details in each kernel module):
 * - Nulls propagate through arithmetic, comparison, string and date kernels; boolean `and` / `or`
 *   follow SQL's three-valued logic; aggregations skip nulls.
 * - Arithmetic types follow SQL / Flink widening (INT + BIGINT → BIGINT, anything with DOUBLE →
 *   DOUBLE); `div` and `pow` of two integers give DOUBLE; integer overflow throws a RangeError
 *   naming the row; integer division / modulo by zero gives null (kernels/arithmetic.ts).
 * - A number scalar is "weak" (as in NumPy 2): `a.mul(2)` keeps a's type when 2 fits it; a
 *   fractional number with an integer column gives DOUBLE; a bigint scalar is an exact integer.
 * - Float arithmetic is evaluated lazily and fused: `a.mul(2).add(b)` runs one pass over the rows
 *   when its result is first read (kernels/fused.ts). `s.str.lower()` / `upper()` are lazy too, and
 *   a search on them (`contains`, `startsWith`, `endsWith`) folds ASCII case over the original
 *   bytes instead of building the mapped column. Reading any property materializes a lazy Series.
 * - Results are always new single-chunk vectors; inputs are never modified.
 */
import * as arrow from 'apache-arrow';
import { fromArrowType, sameArrowLayout, toArrowType } from '../types/arrow-mapping.js';
import { type DataType, isStringKind, DataTypes as T, typeToString } from '../types/data-types.js';
import { type Getter, makeVectorGetter } from './accessors.js';
import { ALL_VALID, copyBits, copyValidity, getBit, newBitmap } from './bitmap.js';
import { columnFromTypedArray, createColumnBuilder, type NumericTypedArray } from './column-builder.js';
import * as agg from './kernels/aggregate.js';
import {
  type ArithOp,
  integerArith,
  integerUnary,
  type NumInput,
  resultKind,
  type UnaryOp,
} from './kernels/arithmetic.js';
import { type BoolOp, kleene, not } from './kernels/boolean.js';
import { type CastOptions, castVector } from './kernels/cast.js';
import { boolWords, type CmpOp, compareVectors } from './kernels/compare.js';
import { binary, constant, type Expr, evaluate, leaf, MAX_NODES, unary } from './kernels/fused.js';
import {
  boolVector,
  intRange,
  isIntKind,
  type NumKind,
  numKind,
  type TypedArray,
  vectorBits,
  vectorValidity,
  vectorValues,
} from './kernels/layout.js';
import { coalesceBool, coalesceFixed, coalesceStrings, nullMask } from './kernels/nulls.js';
import {
  type ConcatPart,
  type SearchWhere,
  strCase,
  strConcat,
  strLen,
  strSearch,
  strSplit,
  strSubstring,
  strTrim,
} from './kernels/string.js';
import { strSearchCased } from './kernels/string-cased.js';
import { type DatePart, datePart, defaultZone } from './kernels/temporal.js';

/** The right-hand side of an arithmetic operator. */
export type NumericOperand = Series | number | bigint;

/** The right-hand side of a comparison. */
export type ComparisonOperand = Series | number | bigint | string | boolean | Date;

/** A Series, or anything `Series.from` accepts. */
export type SeriesInput = Series | arrow.Vector | NumericTypedArray | readonly unknown[];

/** A scalar value as `Series.get` returns it (contracts.md), null included. */
export type ScalarValue = number | bigint | string | boolean | Uint8Array | null;

/** lower(source) or upper(source), not computed yet. */
interface PendingCase {
  readonly source: arrow.Vector;
  readonly upper: boolean;
}

/** The type of a lower / upper Series (STRING, as its Utf8 vector reads). */
const LAZY_CASE_TYPE = T.STRING();

/** Set in Series' static block: make a pending-case Series / read a Series' pending case. */
let lazyCase: (pending: PendingCase, name: string) => Series;
let pendingCase: (s: Series) => PendingCase | null;
let pendingExpr: (s: Series) => Expr | null;

const EMPTY = new arrow.Vector([
  arrow.makeData({ type: new arrow.Float64(), length: 0, data: new Float64Array(0) }),
]);

/**
 * A column of values of one type over an Arrow vector.
 *
 * @example
 * const s = new Series(table.getChild('bytes')!, 'bytes');
 * s.length; s.type; s.nullCount; s.get(0); s.sum();
 */
export class Series {
  /** Column name ('' when none). */
  readonly name: string;
  #vector: arrow.Vector | null;
  #expr: Expr | null = null;
  /** A pending lower / upper of a string column (see `StringMethods.lower`). */
  #case: PendingCase | null = null;
  #length: number;
  #declared: DataType | null;
  #type: DataType | null = null;
  #getter: Getter | null = null;
  #values: TypedArray | null = null;
  #validity: Uint8Array | null | undefined = undefined;

  /**
   * A Series over `vector` (not copied). `type` declares the DataType when the Arrow type alone
   * does not say it (VARCHAR(10), TIMESTAMP_LTZ, NOT NULL…); it must have the vector's layout.
   */
  constructor(vector: arrow.Vector, name = '', type?: DataType) {
    if (!(vector instanceof arrow.Vector))
      throw new TypeError('new Series(vector): expected an apache-arrow Vector');
    if (type && !sameArrowLayout(vector.type, toArrowType(type))) {
      throw new TypeError(`Series '${name}': a ${vector.type} vector cannot be ${typeToString(type)}`);
    }
    this.name = name;
    this.#vector = vector;
    this.#length = vector.length;
    this.#declared = type ?? null;
  }

  /** A Series whose float values are computed when first read. */
  static #lazy(expr: Expr, length: number, name: string): Series {
    const s = new Series(EMPTY, name);
    s.#vector = null;
    s.#expr = expr;
    s.#length = length;
    return s;
  }

  /** A Series holding lower(source) / upper(source), computed when first read. */
  static #lazyCase(pending: PendingCase, name: string): Series {
    const s = new Series(EMPTY, name);
    s.#vector = null;
    s.#case = pending;
    s.#length = pending.source.length;
    s.#type = LAZY_CASE_TYPE; // what fromArrowType gives for its Utf8 result, without the lookup
    return s;
  }

  static {
    lazyCase = (pending, name) => Series.#lazyCase(pending, name);
    pendingCase = (s) => s.#case;
    pendingExpr = (s) => (#expr in s && s.#vector === null ? s.#expr : null);
  }

  /**
   * A Series from a typed array (zero-copy when it is the type's storage, e.g. Float64Array for
   * DOUBLE), a plain array of JS values (null for null; checked against the type), or a Vector.
   * Without `type`: Float64Array → DOUBLE, Float32Array → FLOAT, Int32/16/8Array → INT / SMALLINT /
   * TINYINT, BigInt64Array → BIGINT; an array takes the type of its first non-null value (number →
   * DOUBLE, bigint → BIGINT, string → STRING, boolean → BOOLEAN, Uint8Array → BYTES, Date →
   * TIMESTAMP(3)); an empty or all-null array is DOUBLE.
   *
   * @example
   * Series.from([1n, null, 3n]).type;                   // BIGINT
   * Series.from([1, 2], { type: T.INT(), name: 'n' });  // INT column 'n'
   */
  static from(
    values: Series | arrow.Vector | arrow.Data | NumericTypedArray | readonly unknown[],
    opts: { type?: DataType; name?: string } = {},
  ): Series {
    const name = opts.name ?? (values instanceof Series ? values.name : '');
    if (values instanceof Series) {
      const s = opts.type ? values.cast(opts.type) : values;
      return s.name === name ? s : s.rename(name);
    }
    if (values instanceof arrow.Vector) return new Series(values, name, opts.type);
    if (values instanceof arrow.Data) return new Series(new arrow.Vector([values]), name, opts.type);
    if (ArrayBuffer.isView(values)) {
      const type = opts.type ?? typeOfTypedArray(values as NumericTypedArray);
      return new Series(columnFromTypedArray(type, values as NumericTypedArray), name, type);
    }
    if (!Array.isArray(values)) throw new TypeError(`Series.from: expected an array, typed array or Vector`);
    const type = opts.type ?? inferType(values);
    const b = createColumnBuilder(type, values.length);
    for (let i = 0; i < values.length; i++) {
      try {
        b.append(values[i]);
      } catch (e) {
        if (e instanceof TypeError || e instanceof RangeError) {
          const Ctor = e instanceof TypeError ? TypeError : RangeError;
          throw new Ctor(`Series.from: row ${i}: ${e.message}`);
        }
        throw e;
      }
    }
    return new Series(b.finish(), name, type);
  }

  // ---------------------------------------------------------------------------------------------
  // the column

  /** The Arrow vector (evaluates a pending fused expression first). */
  get vector(): arrow.Vector {
    if (this.#vector === null) {
      if (this.#case !== null) {
        this.#vector = strCase(this.#case.source, this.#case.upper);
        this.#case = null;
      } else {
        this.#vector = evaluate(this.#expr!, this.#length);
        this.#expr = null;
      }
    }
    return this.#vector;
  }

  /** Number of rows. */
  get length(): number {
    return this.#length;
  }

  /** The Arrow type of the values. */
  get arrowType(): arrow.DataType {
    if (this.#vector !== null) return this.#vector.type;
    if (this.#case !== null) return new arrow.Utf8();
    return this.#expr!.kind === 'f32' ? new arrow.Float32() : new arrow.Float64();
  }

  /** The vecudf DataType (declared, or derived from the Arrow type; nullable). */
  get type(): DataType {
    if (this.#declared) return this.#declared;
    this.#type ??= fromArrowType(this.arrowType, this.name || 'series');
    return this.#type;
  }

  /** Number of null rows. */
  get nullCount(): number {
    const v = this.vector;
    return v.type.typeId === arrow.Type.Null ? v.length : v.nullCount;
  }

  /**
   * The values as a typed array, row 0 at index 0, for fixed-width columns: Float64Array for
   * DOUBLE, Int32Array for INT and DATE (days), BigInt64Array for BIGINT and TIMESTAMP (in its
   * unit), Uint32Array (4 words per row) for DECIMAL, the packed bits (Uint8Array) for BOOLEAN.
   * Values of null rows are unspecified. With one chunk this is the chunk's own buffer (zero-copy;
   * do not modify it); with several chunks it is a concatenated copy, made once per Series.
   * Variable-width columns (strings, bytes, nested) have no such array: a TypeError.
   */
  get values(): TypedArray {
    if (this.#values) return this.#values;
    const v = this.vector;
    switch (v.type.typeId) {
      case arrow.Type.Bool: {
        const { bits, offset } = vectorBits(v);
        if (offset === 0) this.#values = bits;
        else {
          const out = newBitmap(v.length);
          copyBits(bits, offset, out, 0, v.length);
          this.#values = out;
        }
        break;
      }
      case arrow.Type.Int:
      case arrow.Type.Float:
      case arrow.Type.Date:
      case arrow.Type.Time:
      case arrow.Type.Timestamp:
      case arrow.Type.Decimal:
      case arrow.Type.FixedSizeBinary:
        this.#values = vectorValues(v);
        break;
      default:
        throw new TypeError(`Series '${this.name}' of type ${typeToString(this.type)} has no values array`);
    }
    return this.#values;
  }

  /**
   * The validity bitmap (LSB first, bit i = row i; 1 = valid), or null when no row is null.
   * Zero-copy for one chunk starting on a byte boundary; otherwise a copy made once.
   */
  get validity(): Uint8Array | null {
    if (this.#validity !== undefined) return this.#validity;
    const v = this.vector;
    if (v.type.typeId === arrow.Type.Null) {
      this.#validity = v.length > 0 ? newBitmap(v.length) : null;
      return this.#validity;
    }
    const bits = vectorValidity(v);
    if (bits === null) this.#validity = null;
    else if ((bits.offset & 7) === 0)
      this.#validity = bits.bits.subarray(bits.offset >>> 3, (bits.offset + v.length + 7) >>> 3);
    else {
      const out = newBitmap(v.length);
      copyBits(bits.bits, bits.offset, out, 0, v.length);
      this.#validity = out;
    }
    return this.#validity;
  }

  /** Whether row i is not null. */
  isValid(i: number): boolean {
    this.#check(i);
    const v = this.vector;
    if (v.type.typeId === arrow.Type.Null) return false;
    if (v.data.length === 1) {
      const d = v.data[0]!;
      if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return true;
      return getBit(d.nullBitmap, d.offset + i);
    }
    const bits = this.validity;
    return bits === null || getBit(bits, i);
  }

  /** The JS value of row i (contracts.md: BIGINT → bigint, DECIMAL → string, DATE → days…), or null. */
  get(i: number): unknown {
    this.#check(i);
    this.#getter ??= makeVectorGetter(this.vector, this.type);
    return this.#getter(i);
  }

  #check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) {
      throw new RangeError(`row ${i} out of range for Series '${this.name}' of ${this.#length} rows`);
    }
  }

  *[Symbol.iterator](): IterableIterator<unknown> {
    const n = this.#length;
    if (n === 0) return;
    const get = (this.#getter ??= makeVectorGetter(this.vector, this.type));
    for (let i = 0; i < n; i++) yield get(i);
  }

  /** All values as a JS array (null for null rows). */
  toArray(): unknown[] {
    const n = this.#length;
    const out = new Array<unknown>(n);
    if (n === 0) return out;
    const get = (this.#getter ??= makeVectorGetter(this.vector, this.type));
    for (let i = 0; i < n; i++) out[i] = get(i);
    return out;
  }

  /** Rows [begin, end) without copying (negative positions count from the end, as Array#slice). */
  slice(begin?: number, end?: number): Series {
    return new Series(this.vector.slice(begin, end), this.name, this.#declared ?? undefined);
  }

  /** The same column under another name. */
  rename(name: string): Series {
    if (this.#case !== null) return Series.#lazyCase(this.#case, name);
    if (this.#vector === null) return Series.#lazy(this.#expr!, this.#length, name);
    return new Series(this.#vector, name, this.#declared ?? undefined);
  }

  /** `Series 'a' DOUBLE [1, 2, null, …] (n rows)` */
  toString(): string {
    const shown = Math.min(this.#length, 10);
    const parts: string[] = [];
    for (let i = 0; i < shown; i++) {
      const v = this.get(i);
      parts.push(typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v));
    }
    const more = this.#length > shown ? ', …' : '';
    return `Series '${this.name}' ${typeToString(this.type)} [${parts.join(', ')}${more}] (${this.#length} rows)`;
  }

  // ---------------------------------------------------------------------------------------------
  // arithmetic

  /** `this + other` */
  add(other: NumericOperand): Series {
    return this.#arith('add', other);
  }
  /** `this - other` */
  sub(other: NumericOperand): Series {
    return this.#arith('sub', other);
  }
  /** `this * other` */
  mul(other: NumericOperand): Series {
    return this.#arith('mul', other);
  }
  /** `this / other` (DOUBLE for two integers; integer division by zero → null) */
  div(other: NumericOperand): Series {
    return this.#arith('div', other);
  }
  /** `this % other`, truncated (sign of the dividend); integer modulo by zero → null */
  mod(other: NumericOperand): Series {
    return this.#arith('mod', other);
  }
  /** `this ** other` (DOUBLE for two integers) */
  pow(other: NumericOperand): Series {
    return this.#arith('pow', other);
  }
  /** `-this` */
  neg(): Series {
    return this.#unary('neg');
  }
  /** `|this|` */
  abs(): Series {
    return this.#unary('abs');
  }

  #numKind(what: string): NumKind {
    const k = this.#expr !== null ? this.#expr.kind : numKind(this.vector.type);
    if (k === null)
      throw new TypeError(`${what} needs a numeric Series, '${this.name}' is ${typeToString(this.type)}`);
    return k;
  }

  /** This Series as an expression leaf (or its pending expression). */
  #asExpr(): Expr {
    return this.#expr !== null ? this.#expr : leaf(this.vector);
  }

  #numInput(): NumInput {
    const v = this.vector;
    return { kind: numKind(v.type)!, values: vectorValues(v), scalar: false, validity: vectorValidity(v) };
  }

  #arith(op: ArithOp, other: NumericOperand): Series {
    const ka = this.#numKind(op);
    const n = this.#length;
    if (other instanceof Series) {
      const kb = other.#numKind(op);
      if (other.#length !== n) throw new RangeError(`${op}: Series of ${n} and ${other.#length} rows`);
      const k = resultKind(op, ka, kb);
      if ((k === 'f32' || k === 'f64') && !intDivision(op, ka, kb)) {
        let left = this.#asExpr();
        let right = other.#asExpr();
        if (left.size + right.size >= MAX_NODES) {
          left = leaf(this.vector);
          right = leaf(other.vector);
        }
        return Series.#lazy(binary(op, left, right, k), n, this.name);
      }
      return new Series(integerArith(op, this.#numInput(), other.#numInput(), n), this.name);
    }
    if (typeof other !== 'number' && typeof other !== 'bigint') {
      throw new TypeError(`${op}: expected a Series, number or bigint, got ${typeof other}`);
    }
    const kb = scalarKind(other, ka);
    const k = resultKind(op, ka, kb);
    if ((k === 'f32' || k === 'f64') && !intDivision(op, ka, kb)) {
      const c = k === 'f32' && kb === 'f32' ? Math.fround(Number(other)) : Number(other);
      let left = this.#asExpr();
      if (left.size + 1 >= MAX_NODES) left = leaf(this.vector);
      return Series.#lazy(binary(op, left, constant(c, kb), k), n, this.name);
    }
    const scalar: NumInput = {
      kind: kb,
      values: kb === 'i64' ? BigInt64Array.of(BigInt(other)) : Float64Array.of(Number(other)),
      scalar: true,
      validity: null,
    };
    return new Series(integerArith(op, this.#numInput(), scalar, n), this.name);
  }

  #unary(op: UnaryOp): Series {
    const k = this.#numKind(op);
    if (k === 'f32' || k === 'f64') {
      let arg = this.#asExpr();
      if (arg.size + 1 >= MAX_NODES) arg = leaf(this.vector);
      return Series.#lazy(unary(op, arg, k), this.#length, this.name);
    }
    return new Series(integerUnary(op, this.#numInput(), this.#length), this.name);
  }

  // ---------------------------------------------------------------------------------------------
  // comparison

  /** `this == other` → BOOLEAN (null where either side is null) */
  eq(other: ComparisonOperand): Series {
    return this.#compare('eq', other);
  }
  /** `this != other` */
  ne(other: ComparisonOperand): Series {
    return this.#compare('ne', other);
  }
  /** `this < other` */
  lt(other: ComparisonOperand): Series {
    return this.#compare('lt', other);
  }
  /** `this <= other` */
  le(other: ComparisonOperand): Series {
    return this.#compare('le', other);
  }
  /** `this > other` */
  gt(other: ComparisonOperand): Series {
    return this.#compare('gt', other);
  }
  /** `this >= other` */
  ge(other: ComparisonOperand): Series {
    return this.#compare('ge', other);
  }

  #compare(op: CmpOp, other: ComparisonOperand): Series {
    const a = this.vector;
    if (other instanceof Series) {
      if (other.#length !== this.#length)
        throw new RangeError(`${op}: Series of ${this.#length} and ${other.#length} rows`);
      return new Series(compareVectors(op, a, alignTemporal(other.vector, a), false), this.name);
    }
    return new Series(compareVectors(op, a, this.#scalarVector(other, op), true), this.name);
  }

  /** A one-row vector holding a comparison scalar, typed to compare with this column. */
  #scalarVector(v: ComparisonOperand, what: string): arrow.Vector {
    const kind = numKind(this.vector.type);
    if (kind !== null && (typeof v === 'number' || typeof v === 'bigint')) {
      // A large integral number compares exactly with an integer column, as a BIGINT.
      const exact =
        isIntKind(kind) && Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v as number) < 2 ** 63;
      if (typeof v === 'bigint' || exact) return oneRow(T.BIGINT(), typeof v === 'bigint' ? v : BigInt(v));
      return oneRow(T.DOUBLE(), v);
    }
    try {
      return oneRow(this.type, v);
    } catch (e) {
      throw new TypeError(
        `${what}: cannot compare ${typeToString(this.type)} with ${String(v)}: ${(e as Error).message}`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // boolean logic (Kleene)

  /** `this AND other` (SQL: false AND null = false) */
  and(other: Series | boolean | null): Series {
    return this.#logic('and', other);
  }
  /** `this OR other` (SQL: true OR null = true) */
  or(other: Series | boolean | null): Series {
    return this.#logic('or', other);
  }
  /** `this XOR other` (null when either is null) */
  xor(other: Series | boolean | null): Series {
    return this.#logic('xor', other);
  }
  /** `NOT this` */
  not(): Series {
    const v = this.#boolVector('not');
    const n = this.#length;
    const { bits, offset } = vectorBits(v);
    const validity = vectorValidity(v);
    const out = not(boolWords(bits, offset, false, n), n);
    return new Series(boolVector(out, n, validity ? copyValidity(validity, n) : ALL_VALID), this.name);
  }

  #boolVector(what: string): arrow.Vector {
    const v = this.vector;
    if (v.type.typeId !== arrow.Type.Bool) {
      throw new TypeError(`${what} needs a BOOLEAN Series, '${this.name}' is ${typeToString(this.type)}`);
    }
    return v;
  }

  #logic(op: BoolOp, other: Series | boolean | null): Series {
    const n = this.#length;
    const a = this.#boolVector(op);
    const ab = vectorBits(a);
    const av = vectorValidity(a);
    const left = {
      values: boolWords(ab.bits, ab.offset, false, n),
      valid: av ? boolWords(av.bits, av.offset, false, n) : null,
    };
    let right: { values: Int32Array; valid: Int32Array | null };
    if (other instanceof Series) {
      if (other.#length !== n) throw new RangeError(`${op}: Series of ${n} and ${other.#length} rows`);
      const b = other.#boolVector(op);
      const bb = vectorBits(b);
      const bv = vectorValidity(b);
      right = {
        values: boolWords(bb.bits, bb.offset, false, n),
        valid: bv ? boolWords(bv.bits, bv.offset, false, n) : null,
      };
    } else if (other === null) {
      right = { values: boolWords(null, 0, false, n), valid: boolWords(null, 0, false, n) };
    } else if (typeof other === 'boolean') {
      right = { values: boolWords(null, 0, other, n), valid: null };
    } else {
      throw new TypeError(`${op}: expected a BOOLEAN Series, a boolean or null`);
    }
    const r = kleene(op, left, right, n);
    return new Series(boolVector(r.bits, n, r.validity), this.name);
  }

  // ---------------------------------------------------------------------------------------------
  // nulls, cast, map

  /** BOOLEAN: true where the row is null. */
  isNull(): Series {
    return new Series(nullMask(this.vector, false), this.name);
  }

  /** BOOLEAN: true where the row is not null. */
  isNotNull(): Series {
    return new Series(nullMask(this.vector, true), this.name);
  }

  /**
   * Null rows replaced by `value` (a JS value of this column's type, checked) or by the rows of
   * another Series of the same length (SQL COALESCE).
   *
   * @example
   * Series.from([1, null]).fillNull(0).toArray(); // [1, 0]
   */
  fillNull(value: unknown): Series {
    const a = this.vector;
    if (this.nullCount === 0) return this;
    let b: arrow.Vector;
    let scalar: boolean;
    if (value instanceof Series) {
      if (value.#length !== this.#length)
        throw new RangeError(`fillNull: Series of ${this.#length} and ${value.#length} rows`);
      b = value.cast(this.type).vector;
      scalar = false;
    } else {
      if (value === null || value === undefined) return this;
      b = oneRow(this.type, value);
      scalar = true;
    }
    switch (a.type.typeId) {
      case arrow.Type.Bool:
        return new Series(coalesceBool(a, b, scalar), this.name, this.#declared ?? undefined);
      case arrow.Type.Utf8:
      case arrow.Type.Binary:
        return new Series(coalesceStrings(a, b, scalar), this.name, this.#declared ?? undefined);
      case arrow.Type.Int:
      case arrow.Type.Float:
      case arrow.Type.Date:
      case arrow.Type.Time:
      case arrow.Type.Timestamp:
      case arrow.Type.Decimal:
      case arrow.Type.FixedSizeBinary:
        return new Series(coalesceFixed(a, b, scalar), this.name, this.#declared ?? undefined);
      default: {
        // Nested columns: row by row through the builders.
        const get = makeVectorGetter(b, this.type);
        return this.#rows((v, i) => (v === null ? get(scalar ? 0 : i) : v), this.type, false);
      }
    }
  }

  /**
   * The column converted to another type: numeric ↔ numeric (overflow and NaN checked), ↔ STRING,
   * ↔ DECIMAL, ↔ BOOLEAN, dates / times / timestamps ↔ each other and ↔ STRING.
   * A value that cannot be converted throws (naming the row), or becomes null with
   * `{ invalid: 'null' }` (Flink's TRY_CAST).
   *
   * @example
   * Series.from(['1', ' 2 ', 'x']).cast(T.INT(), { invalid: 'null' }).toArray(); // [1, 2, null]
   */
  cast(type: DataType, opts: CastOptions = {}): Series {
    const v = castVector(this.vector, this.type, type, opts);
    return new Series(v, this.name, type);
  }

  /**
   * `fn(value, row)` for every non-null row (null rows stay null), collected into a column of
   * `resultType` (or of the type of the first non-null result, as `Series.from` infers it).
   * This is a row-by-row escape hatch: prefer the kernels where one exists.
   *
   * @example
   * s.map((v: number) => Math.round(v), T.INT());
   */
  map<V = unknown>(fn: (value: V, row: number) => unknown, resultType?: DataType): Series {
    return this.#rows((v, i) => (v === null ? null : fn(v as V, i)), resultType, true);
  }

  #rows(
    fn: (value: unknown, row: number) => unknown,
    resultType: DataType | undefined,
    infer: boolean,
  ): Series {
    const n = this.#length;
    const out = new Array<unknown>(n);
    if (n > 0) {
      const get = (this.#getter ??= makeVectorGetter(this.vector, this.type));
      for (let i = 0; i < n; i++) out[i] = fn(get(i), i);
    }
    if (!resultType && !infer) resultType = this.type;
    return Series.from(out, { name: this.name, ...(resultType ? { type: resultType } : {}) });
  }

  // ---------------------------------------------------------------------------------------------
  // aggregations

  /** Number of non-null rows. */
  count(): number {
    return agg.count(this.vector);
  }

  /**
   * Sum of the non-null values: a bigint for BIGINT (exact), a decimal string for DECIMAL (exact),
   * a number otherwise; 0 when none. (In TypeScript, `Number(s.sum())` when you want a number.)
   */
  sum(): number | bigint | string {
    return agg.sum(this.vector);
  }

  /** Mean of the non-null values (NaN when none). */
  mean(): number {
    return agg.mean(this.vector);
  }

  /** Smallest non-null value as its JS value (null when none). NaN only if every value is NaN. */
  min(): unknown {
    const i = agg.minMaxIndex(this.vector, false);
    return i < 0 ? null : this.get(i);
  }

  /** Largest non-null value as its JS value (null when none). */
  max(): unknown {
    const i = agg.minMaxIndex(this.vector, true);
    return i < 0 ? null : this.get(i);
  }

  /** Sample variance (`ddof` = 1) of the non-null values; NaN when there are too few. */
  var(ddof = 1): number {
    return agg.variance(this.vector, ddof);
  }

  /** Sample standard deviation (`ddof` = 1). */
  std(ddof = 1): number {
    return Math.sqrt(agg.variance(this.vector, ddof));
  }

  // ---------------------------------------------------------------------------------------------
  // string and date kernels

  /** String kernels (UTF-8 bytes; see kernels/string.ts). */
  get str(): StringMethods {
    return new StringMethods(this);
  }

  /** Date / time parts (see kernels/temporal.ts). */
  get dt(): DateMethods {
    return new DateMethods(this);
  }

  /** @internal The declared DataType, if any. */
  get declaredType(): DataType | null {
    return this.#declared;
  }
}

/**
 * `s.str.*`: string kernels over the UTF-8 bytes of a STRING / VARCHAR / CHAR column.
 *
 * @example
 * s.str.lower().str.contains('video');
 */
export class StringMethods {
  constructor(private readonly s: Series) {
    if (!isStringKind(s.type.kind)) {
      throw new TypeError(`str needs a string Series, '${s.name}' is ${typeToString(s.type)}`);
    }
  }
  #wrap(v: arrow.Vector): Series {
    return new Series(v, this.s.name);
  }
  /** Length in code points (INT). */
  len(): Series {
    return this.#wrap(strLen(this.s.vector));
  }
  /**
   * Lower case. Computed when first read — and not at all when only searched:
   * `lower().str.contains(p)` (startsWith, endsWith) searches the original bytes with ASCII case
   * folding, decoding only the rows that hold non-ASCII bytes and no folded match
   * (kernels/string-cased.ts).
   */
  lower(): Series {
    return lazyCase({ source: this.s.vector, upper: false }, this.s.name);
  }
  /** Upper case (computed when first read; searched without building it, as `lower`). */
  upper(): Series {
    return lazyCase({ source: this.s.vector, upper: true }, this.s.name);
  }
  #search(pattern: string, where: SearchWhere): Series {
    if (typeof pattern !== 'string') throw new TypeError(`${where}: the pattern must be a string`);
    const pending = pendingCase(this.s);
    if (pending !== null) return this.#wrap(strSearchCased(pending.source, pattern, where, pending.upper));
    return this.#wrap(strSearch(this.s.vector, pattern, where));
  }
  /** Without leading / trailing whitespace (what JS `trim` strips). */
  trim(): Series {
    return this.#wrap(strTrim(this.s.vector));
  }
  /** BOOLEAN: starts with `prefix`. */
  startsWith(prefix: string): Series {
    return this.#search(prefix, 'start');
  }
  /** BOOLEAN: ends with `suffix`. */
  endsWith(suffix: string): Series {
    return this.#search(suffix, 'end');
  }
  /** BOOLEAN: contains `pattern` (a plain substring, not a regex). */
  contains(pattern: string): Series {
    return this.#search(pattern, 'contains');
  }
  /** This column followed by each part (string columns or fixed strings); null if any part is. */
  concat(...parts: (Series | string)[]): Series {
    const all: ConcatPart[] = [this.s.vector];
    for (const p of parts) all.push(typeof p === 'string' ? p : p.vector);
    return this.#wrap(strConcat(all, this.s.length));
  }
  /** Code points [start, end) (negative positions count from the end). */
  substring(start: number, end?: number): Series {
    return this.#wrap(strSubstring(this.s.vector, start, end));
  }
  /** ARRAY<STRING>: the row split on a fixed separator (as JS `split`). */
  split(separator: string): Series {
    return this.#wrap(strSplit(this.s.vector, separator));
  }
}

/**
 * `s.dt.*`: parts of DATE, TIME, TIMESTAMP and TIMESTAMP_LTZ columns, as INT. For TIMESTAMP_LTZ
 * the parts are those of the wall-clock time in `timeZone` (default: the Arrow type's zone, else
 * `TABLE_LOCAL_TIME_ZONE`, else UTC).
 *
 * @example
 * s.dt.year(); s.dt.hour('Asia/Shanghai');
 */
export class DateMethods {
  constructor(private readonly s: Series) {}
  #part(p: DatePart, timeZone?: string): Series {
    const v = this.s.vector;
    const ltz = this.s.type.kind === 'TIMESTAMP_LTZ';
    if (timeZone !== undefined && !ltz) {
      throw new TypeError(
        `a time zone applies to TIMESTAMP_LTZ only, '${this.s.name}' is ${typeToString(this.s.type)}`,
      );
    }
    return new Series(datePart(v, p, ltz ? defaultZone(v.type, timeZone) : null), this.s.name);
  }
  year(timeZone?: string): Series {
    return this.#part('year', timeZone);
  }
  month(timeZone?: string): Series {
    return this.#part('month', timeZone);
  }
  day(timeZone?: string): Series {
    return this.#part('day', timeZone);
  }
  hour(timeZone?: string): Series {
    return this.#part('hour', timeZone);
  }
  minute(timeZone?: string): Series {
    return this.#part('minute', timeZone);
  }
  second(timeZone?: string): Series {
    return this.#part('second', timeZone);
  }
}

/** Integer division: not fused, since a zero divisor makes the row null. */
function intDivision(op: ArithOp, a: NumKind, b: NumKind): boolean {
  return op === 'div' && isIntKind(a) && isIntKind(b);
}

/** Kind of a number / bigint scalar next to a column of kind `col` ("weak" scalars, NumPy 2 style). */
function scalarKind(v: number | bigint, col: NumKind): NumKind {
  if (!isIntKind(col)) return col;
  if (typeof v === 'bigint') {
    if (col !== 'i64') {
      const [lo, hi] = intRange(col);
      if (v >= BigInt(lo) && v <= BigInt(hi)) return col;
    }
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return 'i64';
    throw new RangeError(`scalar ${v}n does not fit BIGINT`);
  }
  if (!Number.isInteger(v)) return 'f64';
  if (col !== 'i64') {
    const [lo, hi] = intRange(col);
    if (v >= lo && v <= hi) return col;
    if (v >= -2147483648 && v <= 2147483647) return 'i32';
  }
  return Math.abs(v) < 2 ** 63 ? 'i64' : 'f64';
}

/** A one-row column of `type` holding `value` (checked by the column builder). */
function oneRow(type: DataType, value: unknown): arrow.Vector {
  const b = createColumnBuilder(type, 1);
  b.append(value);
  return b.finish();
}

/** A temporal column converted to the other side's unit so that the two compare by value. */
function alignTemporal(b: arrow.Vector, a: arrow.Vector): arrow.Vector {
  const ta = a.type.typeId;
  const tb = b.type.typeId;
  const temporal = (t: arrow.Type) =>
    t === arrow.Type.Date || t === arrow.Type.Timestamp || t === arrow.Type.Time;
  if (!temporal(ta) || !temporal(tb) || sameArrowLayout(a.type, b.type)) return b;
  const from = fromArrowType(b.type, 'b');
  const to = fromArrowType(a.type, 'a');
  return castVector(b, from, to, {});
}

function typeOfTypedArray(v: NumericTypedArray): DataType {
  if (v instanceof Float64Array) return T.DOUBLE();
  if (v instanceof Float32Array) return T.FLOAT();
  if (v instanceof Int32Array) return T.INT();
  if (v instanceof Int16Array) return T.SMALLINT();
  if (v instanceof Int8Array) return T.TINYINT();
  if (v instanceof BigInt64Array) return T.BIGINT();
  throw new TypeError(`Series.from: give a type for a ${v.constructor.name} (Flink has no unsigned types)`);
}

function inferType(values: readonly unknown[]): DataType {
  for (const v of values) {
    if (v === null || v === undefined) continue;
    switch (typeof v) {
      case 'number':
        return T.DOUBLE();
      case 'bigint':
        return T.BIGINT();
      case 'string':
        return T.STRING();
      case 'boolean':
        return T.BOOLEAN();
      default:
        if (v instanceof Uint8Array) return T.BYTES();
        if (v instanceof Date) return T.TIMESTAMP(3);
        throw new TypeError(
          `Series.from: cannot infer a type from ${Object.prototype.toString.call(v)}; give opts.type`,
        );
    }
  }
  return T.DOUBLE();
}

/**
 * @internal The fused float expression a lazy Series has not evaluated yet (kernels/fused.ts), or
 * null (evaluated, not lazy, or not a Series of this module). For a writer that evaluates it
 * straight into its own output: the Series itself stays lazy, and evaluates on its own if it is
 * read later.
 *
 * @example
 * const e = pendingFusedExpr(a.add(b)); // the tree of a + b, nothing computed
 */
export function pendingFusedExpr(s: unknown): Expr | null {
  return s instanceof Series ? pendingExpr(s) : null;
}
