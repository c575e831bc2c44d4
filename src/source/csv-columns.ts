/**
 * Typed column writers for CSV input: each takes the bytes of one field and writes the value
 * straight into the column's storage (typed arrays; UTF-8 bytes + offsets for strings, copied
 * from the input without a JS string), then hands the column over as Arrow Data.
 *
 * Unlike the general column builders (src/series/column-builder.ts), these parse text and can drop
 * the row being written (`truncate`): a line whose third field is bad has already written two,
 * and a skipped line must leave no trace.
 *
 * @example
 * const col = csvColumn(T.BIGINT(), 10_000);
 * col.append(bytes, 0, 3, false); // '123' → null (no error)
 * col.appendNull();
 * const data = col.finish();       // Int64 [123, null]
 */
import * as arrow from 'apache-arrow';
import { grow } from '../series/column-builder.js';
import { toArrowType } from '../types/arrow-mapping.js';
import { type DataType, typeToString } from '../types/data-types.js';
import { DecimalError, parseDecimal, writeDecimal128 } from '../types/decimal.js';
import {
  fieldText,
  parseBool,
  parseDate,
  parseDouble,
  parseInt64,
  parseSmallInt,
  parseTime,
  parseTimestamp,
  unitDigits,
} from './csv-text.js';

const QUOTE = 34;
const TWO_32 = 4294967296;

/** One column being filled from CSV fields. */
export interface CsvColumn {
  readonly type: DataType;
  /** Rows written so far in this batch. */
  readonly length: number;
  /**
   * Appends the value in `b[s, e)`; `escaped` when the field was quoted and holds doubled quotes.
   * Returns `undefined`, or why the text is not a value of the column's type.
   */
  append(b: Uint8Array, s: number, e: number, escaped: boolean): string | undefined;
  /** Appends a null; returns why not (a NOT NULL column) or `undefined`. */
  appendNull(): string | undefined;
  /** Drops the rows from `n` on (n ≥ length - 1: only the row being written). */
  truncate(n: number): void;
  /** The rows written as Arrow Data; the column starts over empty. */
  finish(): arrow.Data;
}

/** The value buffers of a column, as `arrow.makeData` takes them. */
interface Buffers {
  data?: ArrayBufferView;
  valueOffsets?: Int32Array;
}

/** Shared bookkeeping: length, a validity bitmap kept from the start (dropped at finish when no row is null). */
abstract class Column implements CsvColumn {
  length = 0;
  protected bits: Uint8Array;
  protected nullCount = 0;
  protected readonly why: string;

  constructor(
    readonly type: DataType,
    protected readonly capacity: number,
  ) {
    this.bits = new Uint8Array((capacity + 7) >> 3);
    this.why = `not a ${typeToString({ ...type, nullable: true })}`;
  }

  abstract append(b: Uint8Array, s: number, e: number, escaped: boolean): string | undefined;
  /** Writes an empty slot at row `i` (for a null). */
  protected abstract putEmpty(i: number): void;
  protected abstract finishValues(length: number): Buffers;
  protected abstract reset(): void;

  /** Marks the row just written valid and counts it. */
  protected valid(): undefined {
    const i = this.length++;
    if (i >> 3 >= this.bits.length) this.bits = grow(this.bits, (i >> 3) + 1);
    this.bits[i >> 3]! |= 1 << (i & 7);
    return undefined;
  }

  appendNull(): string | undefined {
    if (!this.type.nullable) return `null in NOT NULL column`;
    const i = this.length++;
    if (i >> 3 >= this.bits.length) this.bits = grow(this.bits, (i >> 3) + 1);
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nullCount++;
    this.putEmpty(i);
    return undefined;
  }

  truncate(n: number): void {
    for (let i = n; i < this.length; i++) {
      if ((this.bits[i >> 3]! & (1 << (i & 7))) === 0) this.nullCount--;
    }
    this.length = Math.min(this.length, n);
  }

  finish(): arrow.Data {
    const n = this.length;
    const props = this.finishValues(n);
    const nullBitmap = this.nullCount > 0 ? this.bits.slice(0, (n + 7) >> 3) : undefined;
    const data = arrow.makeData({
      type: toArrowType(this.type),
      length: n,
      nullCount: this.nullCount,
      ...(nullBitmap ? { nullBitmap } : {}),
      ...props,
    } as unknown as Parameters<typeof arrow.makeData>[0]);
    this.length = 0;
    this.nullCount = 0;
    this.bits = new Uint8Array((this.capacity + 7) >> 3);
    this.reset();
    return data;
  }
}

const INT_RANGE: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
};

/** Values of at most 32 bits and doubles: one typed array element per row. */
class NumberColumn extends Column {
  private values: Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
  constructor(
    type: DataType,
    capacity: number,
    private readonly Ctor: new (
      n: number,
    ) => Int8Array | Int16Array | Int32Array | Float32Array | Float64Array,
    private readonly parse: (b: Uint8Array, s: number, e: number) => number | undefined,
  ) {
    super(type, capacity);
    this.values = new Ctor(capacity);
  }
  append(b: Uint8Array, s: number, e: number): string | undefined {
    const v = this.parse(b, s, e);
    if (v === undefined) return this.why;
    const i = this.length;
    if (i >= this.values.length) this.values = grow(this.values, i + 1);
    this.values[i] = v;
    return this.valid();
  }
  protected putEmpty(i: number): void {
    if (i >= this.values.length) this.values = grow(this.values, i + 1);
    this.values[i] = 0;
  }
  protected finishValues(n: number) {
    return { data: this.values.subarray(0, n) } as Buffers;
  }
  protected reset(): void {
    this.values = new this.Ctor(this.capacity);
  }
}

/** 64-bit integers (BIGINT, TIME(4-9), TIMESTAMP), stored as 32-bit word pairs. */
class Int64Column extends Column {
  private words: Int32Array;
  constructor(
    type: DataType,
    capacity: number,
    private readonly parse: (b: Uint8Array, s: number, e: number) => number | bigint | undefined,
  ) {
    super(type, capacity);
    this.words = new Int32Array(capacity * 2);
  }
  append(b: Uint8Array, s: number, e: number): string | undefined {
    const v = this.parse(b, s, e);
    if (v === undefined) return this.why;
    const i = this.length;
    if (2 * i + 1 >= this.words.length) this.words = grow(this.words, 2 * i + 2);
    if (typeof v === 'number') {
      const hi = Math.floor(v / TWO_32);
      this.words[2 * i] = v - hi * TWO_32;
      this.words[2 * i + 1] = hi;
    } else {
      const u = BigInt.asUintN(64, v);
      this.words[2 * i] = Number(u & 0xffffffffn);
      this.words[2 * i + 1] = Number(u >> 32n);
    }
    return this.valid();
  }
  protected putEmpty(i: number): void {
    if (2 * i + 1 >= this.words.length) this.words = grow(this.words, 2 * i + 2);
    this.words[2 * i] = 0;
    this.words[2 * i + 1] = 0;
  }
  protected finishValues(n: number) {
    return {
      data: new BigInt64Array(this.words.buffer, this.words.byteOffset, n),
    } as Buffers;
  }
  protected reset(): void {
    this.words = new Int32Array(this.capacity * 2);
  }
}

class BoolColumn extends Column {
  private values: Uint8Array;
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.values = new Uint8Array((capacity + 7) >> 3);
  }
  append(b: Uint8Array, s: number, e: number): string | undefined {
    const v = parseBool(b, s, e);
    if (v === undefined) return this.why;
    const i = this.length;
    if (i >> 3 >= this.values.length) this.values = grow(this.values, (i >> 3) + 1);
    if (v) this.values[i >> 3]! |= 1 << (i & 7);
    else this.values[i >> 3]! &= ~(1 << (i & 7));
    return this.valid();
  }
  protected putEmpty(i: number): void {
    if (i >> 3 >= this.values.length) this.values = grow(this.values, (i >> 3) + 1);
    this.values[i >> 3]! &= ~(1 << (i & 7));
  }
  protected finishValues(n: number) {
    return { data: this.values.slice(0, (n + 7) >> 3) } as Buffers;
  }
  protected reset(): void {
    this.values = new Uint8Array((this.capacity + 7) >> 3);
  }
}

class DecimalColumn extends Column {
  private words: Uint32Array;
  constructor(
    private readonly dt: DataType & { kind: 'DECIMAL' },
    capacity: number,
  ) {
    super(dt, capacity);
    this.words = new Uint32Array(capacity * 4);
  }
  append(b: Uint8Array, s: number, e: number): string | undefined {
    let unscaled: bigint;
    try {
      unscaled = parseDecimal(fieldText(b, s, e), this.dt.precision, this.dt.scale);
    } catch (err) {
      if (err instanceof DecimalError) return err.message.startsWith('expected') ? this.why : err.message;
      throw err;
    }
    const i = this.length;
    this.ensure(i);
    writeDecimal128(this.words, i * 4, unscaled);
    return this.valid();
  }
  private ensure(i: number): void {
    if (i * 4 + 3 >= this.words.length) {
      const next = new Uint32Array(Math.max(i * 4 + 4, this.words.length * 2));
      next.set(this.words);
      this.words = next;
    }
  }
  protected putEmpty(i: number): void {
    this.ensure(i);
    this.words.fill(0, i * 4, i * 4 + 4);
  }
  protected finishValues(n: number) {
    return { data: this.words.subarray(0, n * 4) } as Buffers;
  }
  protected reset(): void {
    this.words = new Uint32Array(this.capacity * 4);
  }
}

/** Utf8 (bytes copied as they are, doubled quotes undone) and Binary (base64). */
class VarBytesColumn extends Column {
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private readonly binary: boolean;
  constructor(type: DataType, capacity: number) {
    super(type, capacity);
    this.binary = type.kind === 'VARBINARY';
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(capacity * 16);
  }
  append(b: Uint8Array, s: number, e: number, escaped: boolean): string | undefined {
    const i = this.length;
    if (i + 1 >= this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    const at = this.offsets[i]!;
    if (this.binary) {
      const text = fieldText(b, s, e);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return 'not base64 (VARBINARY)';
      const raw = Buffer.from(text, 'base64');
      this.reserve(at + raw.length);
      this.bytes.set(raw, at);
      this.offsets[i + 1] = at + raw.length;
      return this.valid();
    }
    this.reserve(at + (e - s));
    if (!escaped) {
      const n = e - s;
      const out = this.bytes;
      // short fields (most of a log line) copy faster by hand than through a subarray view
      if (n < 64) for (let k = 0; k < n; k++) out[at + k] = b[s + k]!;
      else out.set(b.subarray(s, e), at);
      this.offsets[i + 1] = at + n;
    } else {
      // "" inside a quoted field is one quote
      let w = at;
      const out = this.bytes;
      for (let p = s; p < e; p++) {
        const c = b[p]!;
        out[w++] = c;
        if (c === QUOTE) p++;
      }
      this.offsets[i + 1] = w;
    }
    return this.valid();
  }
  private reserve(need: number): void {
    if (need > 0x7fffffff) throw new RangeError('a string column of one batch exceeds 2 GiB');
    if (need > this.bytes.length) this.bytes = grow(this.bytes, need);
  }
  protected putEmpty(i: number): void {
    if (i + 1 >= this.offsets.length) this.offsets = grow(this.offsets, i + 2);
    this.offsets[i + 1] = this.offsets[i]!;
  }
  protected finishValues(n: number) {
    return {
      valueOffsets: this.offsets.subarray(0, n + 1),
      data: this.bytes.subarray(0, this.offsets[n]!),
    } as Buffers;
  }
  protected reset(): void {
    this.offsets = new Int32Array(this.capacity + 1);
    this.bytes = new Uint8Array(this.capacity * 16);
  }
}

/** BINARY(n): base64 of exactly n bytes. */
class FixedBinaryColumn extends Column {
  private bytes: Uint8Array;
  constructor(
    private readonly dt: DataType & { kind: 'BINARY' },
    capacity: number,
  ) {
    super(dt, capacity);
    this.bytes = new Uint8Array(capacity * dt.length);
  }
  append(b: Uint8Array, s: number, e: number): string | undefined {
    const text = fieldText(b, s, e);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return `not base64 (BINARY(${this.dt.length}))`;
    const raw = Buffer.from(text, 'base64');
    if (raw.length !== this.dt.length) return `${raw.length} bytes where BINARY(${this.dt.length}) expected`;
    const i = this.length;
    this.bytes = grow(this.bytes, (i + 1) * this.dt.length);
    this.bytes.set(raw, i * this.dt.length);
    return this.valid();
  }
  protected putEmpty(i: number): void {
    this.bytes = grow(this.bytes, (i + 1) * this.dt.length);
    this.bytes.fill(0, i * this.dt.length, (i + 1) * this.dt.length);
  }
  protected finishValues(n: number) {
    return { data: this.bytes.subarray(0, n * this.dt.length) } as Buffers;
  }
  protected reset(): void {
    this.bytes = new Uint8Array(this.capacity * this.dt.length);
  }
}

function intParser(kind: string) {
  const [min, max] = INT_RANGE[kind]!;
  return (b: Uint8Array, s: number, e: number): number | undefined => {
    const v = parseSmallInt(b, s, e);
    return v !== undefined && v >= min && v <= max ? v : undefined;
  };
}

/** Column types CSV input can hold: the scalar ones (nested values need Arrow input). */
export function csvSupports(dt: DataType): boolean {
  return dt.kind !== 'ARRAY' && dt.kind !== 'MAP' && dt.kind !== 'ROW' && dt.kind !== 'NULL';
}

/** A writer for `dt` with room for `capacity` rows per batch (it grows beyond). */
export function csvColumn(dt: DataType, capacity: number): CsvColumn {
  switch (dt.kind) {
    case 'TINYINT':
      return new NumberColumn(dt, capacity, Int8Array, intParser('TINYINT'));
    case 'SMALLINT':
      return new NumberColumn(dt, capacity, Int16Array, intParser('SMALLINT'));
    case 'INT':
      return new NumberColumn(dt, capacity, Int32Array, intParser('INT'));
    case 'BIGINT':
      return new Int64Column(dt, capacity, parseInt64);
    case 'FLOAT':
      return new NumberColumn(dt, capacity, Float32Array, (b, s, e) => {
        const v = parseDouble(b, s, e);
        return v !== undefined && Number.isFinite(v) && !Number.isFinite(Math.fround(v)) ? undefined : v;
      });
    case 'DOUBLE':
      return new NumberColumn(dt, capacity, Float64Array, parseDouble);
    case 'BOOLEAN':
      return new BoolColumn(dt, capacity);
    case 'DECIMAL':
      return new DecimalColumn(dt, capacity);
    case 'CHAR':
    case 'VARCHAR':
    case 'VARBINARY':
      return new VarBytesColumn(dt, capacity);
    case 'BINARY':
      return new FixedBinaryColumn(dt as DataType & { kind: 'BINARY' }, capacity);
    case 'DATE':
      return new NumberColumn(dt, capacity, Int32Array, parseDate);
    case 'TIME': {
      const digits = unitDigits(dt.precision);
      const parse = (b: Uint8Array, s: number, e: number) => parseTime(b, s, e, digits);
      return digits <= 3
        ? new NumberColumn(dt, capacity, Int32Array, parse)
        : new Int64Column(dt, capacity, parse);
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const digits = unitDigits(dt.precision);
      return new Int64Column(dt, capacity, (b, s, e) => parseTimestamp(b, s, e, digits));
    }
    default:
      throw new RangeError(
        `CSV input cannot hold ${typeToString(dt)} columns (nested values need Arrow input)`,
      );
  }
}
