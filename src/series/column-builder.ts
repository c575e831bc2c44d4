/**
 * Column builders: append JS values (as contracts.md defines them, plus what builders also accept)
 * into growable typed arrays and finish into an Arrow vector of the DataType's Arrow type. This is
 * how row-wise results, array results of vectorized UDFs and the row coder's output become columns.
 *
 * Appends are checked: a value that does not fit the type throws a TypeError (wrong kind of value,
 * null for NOT NULL) or RangeError (out of range, wrong length) saying what was expected and what
 * came. Strings are written as UTF-8 bytes + offsets, never one Arrow object per row.
 *
 * @example
 * const b = createColumnBuilder(T.STRING());
 * b.append('a'); b.appendNull(); b.append('ü');
 * const v = b.finish(); // Utf8 vector [ 'a', null, 'ü' ]
 */
import * as arrow from 'apache-arrow';
import { timeUnitForPrecision, toArrowType } from '../types/arrow-mapping.js';
import { type DataType, typeToString } from '../types/data-types.js';
import { DecimalError, parseDecimal, writeDecimal128, writeDecimal128Small } from '../types/decimal.js';

/** Appends values of one DataType; `finish()` hands the column over (the builder is then spent). */
export interface ColumnBuilder {
  readonly type: DataType;
  /** Rows appended so far. */
  readonly length: number;
  /** Appends a value; `null` / `undefined` append a null (an error for a NOT NULL type). */
  append(v: unknown): void;
  /** Appends a null (an error for a NOT NULL type). */
  appendNull(): void;
  /** The column as Arrow Data of `toArrowType(type)`. */
  finishData(): arrow.Data;
  /** The column as an Arrow vector. */
  finish(): arrow.Vector;
}

/** Creates a checked builder for `dt`; `initialCapacity` rows are reserved up front. */
export function createColumnBuilder(dt: DataType, initialCapacity = 1024): ColumnBuilder {
  return makeBuilder(dt, Math.max(1, Math.floor(initialCapacity)));
}

// ---------------------------------------------------------------------------------------------
// value descriptions and errors

/** `string 'abc'`, `number 1.5`, `bigint 7n`, `Date 2024-…`, `object {…}` — for error messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return `string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    case 'bigint':
      return `bigint ${v}n`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (v instanceof Date) return `Date ${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}`;
      if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
      if (Array.isArray(v)) return `array(${v.length})`;
      if (v instanceof Map) return `Map(${v.size})`;
      return `${(v as object).constructor?.name ?? 'object'}`;
  }
}

function expected(dt: DataType, v: unknown): TypeError {
  return new TypeError(`expected ${typeToString({ ...dt, nullable: true })}, got ${describeValue(v)}`);
}

function outOfRange(dt: DataType, v: unknown): RangeError {
  const shown = typeof v === 'bigint' ? String(v) : v instanceof Date ? v.toISOString() : String(v);
  return new RangeError(`value ${shown} out of range for ${typeToString({ ...dt, nullable: true })}`);
}

// ---------------------------------------------------------------------------------------------
// growable storage

/** `a`, or a copy at least twice as long when it holds fewer than `need` elements. */
export function grow<
  T extends Uint8Array | Int32Array | Float64Array | Float32Array | Int16Array | Int8Array,
>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/** Validity bitmap, created at the first null (a column without nulls has none). */
class Validity {
  bits: Uint8Array | null = null;
  nullCount = 0;

  /** Marks row i valid (only needed once a bitmap exists). */
  setValid(i: number): void {
    const bits = this.bits;
    if (bits === null) return;
    if (i >> 3 >= bits.length) this.bits = grow(bits, (i >> 3) + 1);
    this.bits![i >> 3]! |= 1 << (i & 7);
  }

  setNull(i: number): void {
    if (this.bits === null) {
      // every row so far was valid
      const bits = new Uint8Array(Math.max(64, ((i + 1) >> 3) * 2 + 8));
      bits.fill(0xff, 0, i >> 3);
      for (let k = i & ~7; k < i; k++) bits[k >> 3]! |= 1 << (k & 7);
      this.bits = bits;
    } else if (i >> 3 >= this.bits.length) {
      this.bits = grow(this.bits, (i >> 3) + 1);
    }
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nullCount++;
  }

  finish(length: number): Uint8Array | undefined {
    return this.bits === null ? undefined : this.bits.subarray(0, (length + 7) >> 3);
  }
}

// ---------------------------------------------------------------------------------------------
// builders

abstract class Base implements ColumnBuilder {
  length = 0;
  protected readonly validity = new Validity();
  constructor(readonly type: DataType) {}

  append(v: unknown): void {
    if (v === null || v === undefined) {
      this.appendNull();
      return;
    }
    this.put(this.length, v);
    if (this.validity.bits !== null) this.validity.setValid(this.length);
    this.length++;
  }

  appendNull(): void {
    if (!this.type.nullable) {
      throw new TypeError(`null where ${typeToString(this.type)} expected`);
    }
    this.putEmpty(this.length);
    this.validity.setNull(this.length);
    this.length++;
  }

  /**
   * Appends the slot of a null parent struct row: a null where the type allows it, otherwise a
   * zero value (the slot is never read; Arrow needs every child to have the parent's length).
   */
  appendPlaceholder(): void {
    if (this.type.nullable) {
      this.appendNull();
      return;
    }
    this.putEmpty(this.length);
    if (this.validity.bits !== null) this.validity.setValid(this.length);
    this.length++;
  }

  /** Stores value v (not null) at row i, growing storage; throws when v does not fit. */
  protected abstract put(i: number, v: unknown): void;
  /** Stores an empty slot at row i (the row of a null). */
  protected abstract putEmpty(i: number): void;
  abstract finishData(): arrow.Data;

  finish(): arrow.Vector {
    return arrow.makeVector(this.finishData());
  }

  protected nulls(): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    return { nullBitmap: this.validity.finish(this.length), nullCount: this.validity.nullCount };
  }
}

type Convert = (v: unknown) => number;

const INT_RANGES = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
} as const;

function intConvert(dt: DataType, kind: keyof typeof INT_RANGES): Convert {
  const [min, max] = INT_RANGES[kind];
  return (v) => {
    if (typeof v === 'number') {
      if (v >= min && v <= max && Number.isInteger(v)) return v;
      if (Number.isInteger(v) || !Number.isFinite(v)) throw outOfRange(dt, v);
      throw new RangeError(
        `value ${v} is not an integer, expected ${typeToString({ ...dt, nullable: true })}`,
      );
    }
    if (typeof v === 'bigint') {
      if (v >= BigInt(min) && v <= BigInt(max)) return Number(v);
      throw outOfRange(dt, v);
    }
    throw expected(dt, v);
  };
}

function floatConvert(dt: DataType): Convert {
  const single = dt.kind === 'FLOAT';
  return (v) => {
    if (typeof v === 'number') {
      // NaN and ±Infinity are valid floats; a finite double beyond float32's range is not
      if (single && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw outOfRange(dt, v);
      return v;
    }
    if (typeof v === 'bigint') {
      const n = Number(v);
      if (Number.isSafeInteger(n) || BigInt(n) === v) return n;
      throw new RangeError(
        `bigint ${v}n cannot be held exactly by ${typeToString({ ...dt, nullable: true })}`,
      );
    }
    throw expected(dt, v);
  };
}

const MS_PER_DAY = 86_400_000;

function dateConvert(dt: DataType): Convert {
  return (v) => {
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
      throw Number.isInteger(v)
        ? outOfRange(dt, v)
        : new RangeError(`value ${v} is not a whole number of days (DATE)`);
    }
    if (v instanceof Date) {
      const ms = v.getTime();
      if (Number.isNaN(ms)) throw expected(dt, v);
      return Math.floor(ms / MS_PER_DAY);
    }
    throw expected(dt, v);
  };
}

/** Fixed-width numbers stored in a typed array (TINYINT…INT, FLOAT, DOUBLE, DATE, TIME(0-3)). */
class NumberBuilder extends Base {
  private values: Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
  constructor(
    dt: DataType,
    capacity: number,
    ArrayType: new (n: number) => Int8Array | Int16Array | Int32Array | Float32Array | Float64Array,
    private readonly convert: Convert,
  ) {
    super(dt);
    this.values = new ArrayType(capacity);
  }
  protected put(i: number, v: unknown): void {
    const x = this.convert(v);
    if (i >= this.values.length) this.values = grow(this.values, i + 1);
    this.values[i] = x;
  }
  protected putEmpty(i: number): void {
    if (i >= this.values.length) this.values = grow(this.values, i + 1);
    this.values[i] = 0;
  }
  finishData(): arrow.Data {
    return arrow.makeData({
      type: toArrowType(this.type) as arrow.Int32,
      length: this.length,
      data: this.values.subarray(0, this.length) as Int32Array,
      ...this.nulls(),
    });
  }
}

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * 64-bit integers (BIGINT, TIME(4-9), TIMESTAMP): kept as 32-bit word pairs so that numbers are
 * stored without a BigInt per value; `toUnits` returns either a safe-integer number or a bigint.
 */
class Int64Builder extends Base {
  private words: Int32Array;
  constructor(
    dt: DataType,
    capacity: number,
    private readonly toUnits: (v: unknown) => number | bigint,
  ) {
    super(dt);
    this.words = new Int32Array(capacity * 2);
  }
  protected put(i: number, v: unknown): void {
    const x = this.toUnits(v);
    if (2 * i + 1 >= this.words.length) this.words = grow(this.words, 2 * i + 2);
    const w = this.words;
    if (typeof x === 'number') {
      const hi = Math.floor(x / TWO_32);
      w[2 * i] = x - hi * TWO_32; // low word, two's complement by the Int32Array store
      w[2 * i + 1] = hi;
    } else {
      const u = BigInt.asUintN(64, x);
      w[2 * i] = Number(u & 0xffffffffn);
      w[2 * i + 1] = Number(u >> 32n);
    }
  }
  protected putEmpty(i: number): void {
    if (2 * i + 1 >= this.words.length) this.words = grow(this.words, 2 * i + 2);
    this.words[2 * i] = 0;
    this.words[2 * i + 1] = 0;
  }
  finishData(): arrow.Data {
    const values = new BigInt64Array(this.words.buffer, this.words.byteOffset, this.length);
    return arrow.makeData({
      type: toArrowType(this.type) as arrow.Int64,
      length: this.length,
      data: values,
      ...this.nulls(),
    });
  }
}

function bigintConvert(dt: DataType): (v: unknown) => number | bigint {
  return (v) => {
    if (typeof v === 'bigint') {
      if (v >= INT64_MIN && v <= INT64_MAX) return v;
      throw outOfRange(dt, v);
    }
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return v;
      if (Number.isInteger(v)) {
        throw new RangeError(`value ${v} is not a safe integer; pass a bigint for BIGINT`);
      }
      throw Number.isFinite(v)
        ? new RangeError(`value ${v} is not an integer, expected BIGINT`)
        : outOfRange(dt, v);
    }
    throw expected(dt, v);
  };
}

const UNITS_PER_MS = [0.001, 1, 1000, 1_000_000]; // by arrow.TimeUnit
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * ms (number with sub-ms fraction, Date, or bigint ms) → count of the column's unit; sub-unit digits
 * are dropped (floor), as a cast to a lower precision does in Flink.
 */
function msToUnits(dt: DataType, unit: arrow.TimeUnit, acceptDate: boolean): (v: unknown) => number | bigint {
  const per = UNITS_PER_MS[unit]!;
  const perBig = unit >= arrow.TimeUnit.MILLISECOND ? BigInt(per) : 0n;
  return (v) => {
    let ms: number;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw outOfRange(dt, v);
      ms = v;
    } else if (acceptDate && v instanceof Date) {
      ms = v.getTime();
      if (Number.isNaN(ms)) throw expected(dt, v);
    } else if (acceptDate && typeof v === 'bigint') {
      const u = unit === arrow.TimeUnit.SECOND ? (v - (((v % 1000n) + 1000n) % 1000n)) / 1000n : v * perBig;
      if (u < INT64_MIN || u > INT64_MAX) throw outOfRange(dt, v);
      return u;
    } else {
      throw expected(dt, v);
    }
    if (unit === arrow.TimeUnit.SECOND) return Math.floor(ms / 1000);
    const whole = Math.floor(ms);
    if (unit === arrow.TimeUnit.MILLISECOND) return whole;
    // the fraction of a double ms is inexact: round it to the unit
    const frac = Math.round((ms - whole) * per);
    const units = whole * per + frac;
    if (Math.abs(units) <= MAX_SAFE) return units;
    const big = BigInt(whole) * perBig + BigInt(frac);
    if (big < INT64_MIN || big > INT64_MAX) throw outOfRange(dt, v);
    return big;
  };
}

function timeOfDayCheck(
  dt: DataType,
  toUnits: (v: unknown) => number | bigint,
): (v: unknown) => number | bigint {
  return (v) => {
    if (typeof v === 'number' && (v < 0 || v >= MS_PER_DAY)) throw outOfRange(dt, v);
    return toUnits(v);
  };
}

class BoolBuilder extends Base {
  private bits: Uint8Array;
  constructor(dt: DataType, capacity: number) {
    super(dt);
    this.bits = new Uint8Array((capacity + 7) >> 3);
  }
  protected put(i: number, v: unknown): void {
    if (typeof v !== 'boolean') throw expected(this.type, v);
    if (i >> 3 >= this.bits.length) this.bits = grow(this.bits, (i >> 3) + 1);
    if (v) this.bits[i >> 3]! |= 1 << (i & 7);
    else this.bits[i >> 3]! &= ~(1 << (i & 7));
  }
  protected putEmpty(i: number): void {
    if (i >> 3 >= this.bits.length) this.bits = grow(this.bits, (i >> 3) + 1);
    this.bits[i >> 3]! &= ~(1 << (i & 7));
  }
  finishData(): arrow.Data {
    return arrow.makeData({
      type: new arrow.Bool(),
      length: this.length,
      data: this.bits.subarray(0, (this.length + 7) >> 3),
      ...this.nulls(),
    });
  }
}

class DecimalBuilder extends Base {
  private words: Uint32Array;
  constructor(
    private readonly dt: DataType & { kind: 'DECIMAL' },
    capacity: number,
  ) {
    super(dt);
    this.words = new Uint32Array(capacity * 4);
  }
  protected put(i: number, v: unknown): void {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') throw expected(this.dt, v);
    let unscaled: bigint;
    try {
      unscaled = parseDecimal(v, this.dt.precision, this.dt.scale);
    } catch (e) {
      if (e instanceof DecimalError) throw e.message.startsWith('expected') ? expected(this.dt, v) : e;
      throw e;
    }
    this.ensure(i);
    if (unscaled >= -9007199254740991n && unscaled <= 9007199254740991n) {
      writeDecimal128Small(this.words, i * 4, Number(unscaled));
    } else {
      writeDecimal128(this.words, i * 4, unscaled);
    }
  }
  protected putEmpty(i: number): void {
    this.ensure(i);
    this.words.fill(0, i * 4, i * 4 + 4);
  }
  private ensure(i: number): void {
    if (i * 4 + 3 >= this.words.length) {
      const next = new Uint32Array(Math.max(i * 4 + 4, this.words.length * 2));
      next.set(this.words);
      this.words = next;
    }
  }
  finishData(): arrow.Data {
    return arrow.makeData({
      type: toArrowType(this.dt) as arrow.Decimal,
      length: this.length,
      data: this.words.subarray(0, this.length * 4),
      ...this.nulls(),
    });
  }
}

interface Utf8Writer {
  utf8Write(s: string, offset: number): number;
}

/** Utf8 and Binary: an offsets array and one byte buffer. */
class VarBytesBuilder extends Base {
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private writer: Utf8Writer | null = null;
  private readonly encoder = new TextEncoder();
  private readonly isString: boolean;
  constructor(dt: DataType, capacity: number) {
    super(dt);
    this.isString = dt.kind === 'CHAR' || dt.kind === 'VARCHAR';
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(capacity * 8);
  }
  private reserveBytes(n: number): void {
    const need = this.offsets[this.length]! + n;
    if (need > 0x7fffffff) throw new RangeError(`column ${typeToString(this.type)} exceeds 2 GiB of data`);
    if (need > this.bytes.length) {
      this.bytes = grow(this.bytes, need);
      this.writer = null;
    }
  }
  protected put(i: number, v: unknown): void {
    if (i + 1 >= this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    const start = this.offsets[i]!;
    if (this.isString) {
      if (typeof v !== 'string') throw expected(this.type, v);
      this.reserveBytes(v.length * 3);
      let written: number;
      if (typeof Buffer !== 'undefined') {
        if (this.writer === null) {
          this.writer = Buffer.from(
            this.bytes.buffer,
            this.bytes.byteOffset,
            this.bytes.length,
          ) as unknown as Utf8Writer;
        }
        written = this.writer.utf8Write(v, start);
      } else {
        written = this.encoder.encodeInto(v, this.bytes.subarray(start)).written;
      }
      this.offsets[i + 1] = start + written;
    } else {
      if (!(v instanceof Uint8Array)) throw expected(this.type, v);
      this.reserveBytes(v.length);
      this.bytes.set(v, start);
      this.offsets[i + 1] = start + v.length;
    }
  }
  protected putEmpty(i: number): void {
    if (i + 1 >= this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    this.offsets[i + 1] = this.offsets[i]!;
  }
  finishData(): arrow.Data {
    const props = {
      length: this.length,
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      data: this.bytes.subarray(0, this.offsets[this.length]!),
      ...this.nulls(),
    };
    return this.isString
      ? arrow.makeData({ type: new arrow.Utf8(), ...props })
      : arrow.makeData({ type: new arrow.Binary(), ...props });
  }
}

class FixedBinaryBuilder extends Base {
  private bytes: Uint8Array;
  constructor(
    private readonly dt: DataType & { kind: 'BINARY' },
    capacity: number,
  ) {
    super(dt);
    this.bytes = new Uint8Array(capacity * dt.length);
  }
  protected put(i: number, v: unknown): void {
    if (!(v instanceof Uint8Array)) throw expected(this.dt, v);
    if (v.length !== this.dt.length) {
      throw new RangeError(`expected ${this.dt.length} bytes for BINARY(${this.dt.length}), got ${v.length}`);
    }
    const w = this.dt.length;
    if ((i + 1) * w > this.bytes.length) this.bytes = grow(this.bytes, (i + 1) * w);
    this.bytes.set(v, i * w);
  }
  protected putEmpty(i: number): void {
    const w = this.dt.length;
    if ((i + 1) * w > this.bytes.length) this.bytes = grow(this.bytes, (i + 1) * w);
    this.bytes.fill(0, i * w, (i + 1) * w);
  }
  finishData(): arrow.Data {
    return arrow.makeData({
      type: new arrow.FixedSizeBinary(this.dt.length),
      length: this.length,
      data: this.bytes.subarray(0, this.length * this.dt.length),
      ...this.nulls(),
    });
  }
}

class NullBuilder extends Base {
  protected put(_i: number, v: unknown): void {
    throw expected(this.type, v);
  }
  protected putEmpty(): void {}
  override appendNull(): void {
    this.length++;
  }
  finishData(): arrow.Data {
    return arrow.makeData({ type: new arrow.Null(), length: this.length });
  }
}

/** ARRAY (List) and MAP (List of entries structs): offsets plus child builders. */
class ListBuilder extends Base {
  private offsets: Int32Array;
  constructor(
    dt: DataType,
    capacity: number,
    private readonly child: Base,
    private readonly key: Base | null,
  ) {
    super(dt);
    this.offsets = new Int32Array(capacity + 1);
  }
  protected put(i: number, v: unknown): void {
    if (i + 1 >= this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    if (this.key === null) this.putElements(v);
    else this.putEntries(v);
    this.offsets[i + 1] = this.child.length;
  }
  private putElements(v: unknown): void {
    const child = this.child;
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) child.append(v[k]);
    } else if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function' &&
      !(v instanceof Map)
    ) {
      for (const x of v as Iterable<unknown>) child.append(x);
    } else {
      throw expected(this.type, v);
    }
  }
  private putEntries(v: unknown): void {
    const key = this.key!;
    const value = this.child;
    const dt = this.type as DataType & { kind: 'MAP' };
    const keyType = typeToString(dt.key);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        if (k === null || k === undefined) throw new TypeError(`null map key where ${keyType} expected`);
        key.append(k);
        value.append(x);
      }
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      for (const k of Object.keys(v)) {
        key.append(k);
        value.append((v as Record<string, unknown>)[k]);
      }
    } else {
      throw expected(this.type, v);
    }
  }
  protected putEmpty(i: number): void {
    if (i + 1 >= this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    this.offsets[i + 1] = this.offsets[i]!;
  }
  finishData(): arrow.Data {
    const type = toArrowType(this.type) as arrow.List | arrow.Map_;
    const childData =
      this.key === null
        ? this.child.finishData()
        : arrow.makeData({
            type: (type as arrow.Map_).children[0]!.type as arrow.Struct,
            length: this.child.length,
            nullCount: 0,
            children: [this.key.finishData(), this.child.finishData()],
          });
    const props = {
      length: this.length,
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      child: childData,
      ...this.nulls(),
    };
    return this.key === null
      ? arrow.makeData({ type: type as arrow.List, ...props })
      : arrow.makeData({ type: type as arrow.Map_, ...props });
  }
}

class StructBuilder extends Base {
  private readonly names: string[];
  constructor(
    private readonly dt: DataType & { kind: 'ROW' },
    private readonly children: Base[],
  ) {
    super(dt);
    this.names = dt.fields.map((f) => f.name);
  }
  protected put(_i: number, v: unknown): void {
    const children = this.children;
    if (Array.isArray(v)) {
      if (v.length !== children.length) {
        throw new RangeError(
          `expected ${children.length} values for ${typeToString({ ...this.dt, nullable: true })}, got array(${v.length})`,
        );
      }
      for (let j = 0; j < children.length; j++) this.appendChild(j, v[j]);
    } else if (
      typeof v === 'object' &&
      v !== null &&
      !(v instanceof Map) &&
      !ArrayBuffer.isView(v) &&
      !(v instanceof Date)
    ) {
      const o = v as Record<string, unknown>;
      for (let j = 0; j < children.length; j++) this.appendChild(j, o[this.names[j]!]);
    } else {
      throw expected(this.dt, v);
    }
  }
  private appendChild(j: number, x: unknown): void {
    try {
      this.children[j]!.append(x);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        const Ctor = e instanceof TypeError ? TypeError : RangeError;
        throw new Ctor(`field '${this.names[j]}': ${e.message}`);
      }
      throw e;
    }
  }
  protected putEmpty(): void {
    for (const c of this.children) c.appendPlaceholder();
  }
  finishData(): arrow.Data {
    return arrow.makeData({
      type: toArrowType(this.dt) as arrow.Struct,
      length: this.length,
      children: this.children.map((c) => c.finishData()),
      ...this.nulls(),
    });
  }
}

function makeBuilder(dt: DataType, cap: number): Base {
  switch (dt.kind) {
    case 'TINYINT':
      return new NumberBuilder(dt, cap, Int8Array, intConvert(dt, 'TINYINT'));
    case 'SMALLINT':
      return new NumberBuilder(dt, cap, Int16Array, intConvert(dt, 'SMALLINT'));
    case 'INT':
      return new NumberBuilder(dt, cap, Int32Array, intConvert(dt, 'INT'));
    case 'FLOAT':
      return new NumberBuilder(dt, cap, Float32Array, floatConvert(dt));
    case 'DOUBLE':
      return new NumberBuilder(dt, cap, Float64Array, floatConvert(dt));
    case 'DATE':
      return new NumberBuilder(dt, cap, Int32Array, dateConvert(dt));
    case 'BIGINT':
      return new Int64Builder(dt, cap, bigintConvert(dt));
    case 'BOOLEAN':
      return new BoolBuilder(dt, cap);
    case 'DECIMAL':
      return new DecimalBuilder(dt, cap);
    case 'CHAR':
    case 'VARCHAR':
    case 'VARBINARY':
      return new VarBytesBuilder(dt, cap);
    case 'BINARY':
      return new FixedBinaryBuilder(dt as DataType & { kind: 'BINARY' }, cap);
    case 'NULL':
      return new NullBuilder(dt);
    case 'TIME': {
      const unit = timeUnitForPrecision(dt.precision);
      const toUnits = timeOfDayCheck(dt, msToUnits(dt, unit, false));
      if (unit <= arrow.TimeUnit.MILLISECOND) {
        return new NumberBuilder(dt, cap, Int32Array, toUnits as Convert);
      }
      return new Int64Builder(dt, cap, toUnits);
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return new Int64Builder(dt, cap, msToUnits(dt, timeUnitForPrecision(dt.precision), true));
    case 'ARRAY':
      return new ListBuilder(dt, cap, makeBuilder(dt.element, cap), null);
    case 'MAP':
      return new ListBuilder(dt, cap, makeBuilder(dt.value, cap), makeBuilder(dt.key, cap));
    case 'ROW':
      return new StructBuilder(
        dt,
        dt.fields.map((f) => makeBuilder(f.type, cap)),
      );
  }
}

// ---------------------------------------------------------------------------------------------
// typed arrays → columns

/** Any typed array a vectorized UDF may return. */
export type NumericTypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The typed array class holding a DataType's Arrow values, where that storage is one element per row. */
function storageOf(dt: DataType): (new (n: number) => NumericTypedArray) | null {
  switch (dt.kind) {
    case 'TINYINT':
      return Int8Array;
    case 'SMALLINT':
      return Int16Array;
    case 'INT':
    case 'DATE':
      return Int32Array;
    case 'BIGINT':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return BigInt64Array;
    case 'FLOAT':
      return Float32Array;
    case 'DOUBLE':
      return Float64Array;
    case 'TIME':
      return dt.precision <= 3 ? Int32Array : BigInt64Array;
    default:
      return null;
  }
}

function popcount(bits: Uint8Array, length: number): number {
  let n = 0;
  const full = length >> 3;
  for (let k = 0; k < full; k++) {
    let b = bits[k]!;
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    n += (b + (b >> 4)) & 0x0f;
  }
  for (let i = full << 3; i < length; i++) n += (bits[i >> 3]! >> (i & 7)) & 1;
  return n;
}

const WIDENS: Partial<Record<DataType['kind'], readonly unknown[]>> = {
  SMALLINT: [Int8Array, Uint8Array],
  INT: [Int8Array, Uint8Array, Int16Array, Uint16Array],
  DOUBLE: [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array],
  FLOAT: [Int8Array, Uint8Array, Int16Array, Uint16Array],
};

/**
 * A column from a typed array, the fast way for UDF results. When the array's class is the
 * column's Arrow storage (Float64Array for DOUBLE, Int32Array for INT / DATE days / TIME(0-3) in
 * its unit, BigInt64Array for BIGINT / TIMESTAMP in its unit / TIME(4-9), …) it is wrapped without
 * a copy. A narrower integer or float array is widened in one pass; anything else is converted
 * element by element with the builders' checks (a Float64Array for INT must hold integers in
 * range; for TIMESTAMP, a Float64Array holds ms). `validity` is an Arrow bitmap (bit i = row i,
 * LSB first); rows marked null are not checked.
 *
 * @example
 * const out = new Float64Array(n); // … fill …
 * columnFromTypedArray(T.DOUBLE(), out); // zero-copy Float64 vector
 */
export function columnFromTypedArray(
  dt: DataType,
  values: NumericTypedArray,
  validity?: Uint8Array | null,
): arrow.Vector {
  const length = values.length;
  let nullCount = 0;
  if (validity) {
    if (validity.length < (length + 7) >> 3) {
      throw new RangeError(
        `validity bitmap has ${validity.length} bytes, ${length} rows need ${(length + 7) >> 3}`,
      );
    }
    nullCount = length - popcount(validity, length);
    if (nullCount > 0 && !dt.nullable) {
      throw new TypeError(
        `null where ${typeToString(dt)} expected (${nullCount} nulls in the validity bitmap)`,
      );
    }
  }
  const nullBitmap = nullCount > 0 ? validity!.subarray(0, (length + 7) >> 3) : undefined;
  const Storage = storageOf(dt);
  const wrap = (data: NumericTypedArray) =>
    arrow.makeVector(
      arrow.makeData({
        type: toArrowType(dt) as arrow.Int32,
        length,
        data: data as Int32Array,
        nullBitmap,
        nullCount,
      }),
    );
  if (Storage !== null && values.constructor === Storage) return wrap(values);
  if (Storage !== null && WIDENS[dt.kind]?.includes(values.constructor)) {
    const out = new Storage(length);
    (out as Float64Array).set(values as Float64Array);
    return wrap(out);
  }
  const b = createColumnBuilder(dt, length);
  for (let i = 0; i < length; i++) {
    if (nullBitmap !== undefined && (nullBitmap[i >> 3]! & (1 << (i & 7))) === 0) {
      b.appendNull();
      continue;
    }
    const x = values[i]!;
    try {
      b.append(dt.kind === 'BOOLEAN' ? x !== 0 && x !== 0n : x);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        const Ctor = e instanceof TypeError ? TypeError : RangeError;
        throw new Ctor(`row ${i}: ${e.message}`);
      }
      throw e;
    }
  }
  return b.finish();
}
