/**
 * Reading kernel inputs from Arrow vectors and wrapping kernel outputs back into vectors.
 *
 * Inputs: a vector may have several chunks and each chunk an offset (a slice). Kernels read one
 * flat view: the chunk's own buffers when there is one chunk (no copy), a concatenation otherwise.
 * Fixed-width values of a single chunk are already sliced by apache-arrow (`data.values[0]` is row
 * 0); validity and boolean bits are not (row 0 is bit `data.offset`), nor are string bytes (offsets
 * index into the whole byte buffer).
 *
 * Outputs are always one chunk with offset 0, built with `makeData` straight from typed arrays.
 */
import * as arrow from 'apache-arrow';
import { type BitsAt, clearTail, copyBits, newBitmap, setBits, type Validity } from '../bitmap.js';

/** Typed arrays that hold fixed-width Arrow values. */
export type TypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** Validity of one chunk, or null when it has no null. */
export function chunkValidity(data: arrow.Data): BitsAt | null {
  const bits = data.nullBitmap;
  if (!bits || bits.length === 0 || data.nullCount === 0) return null;
  return { bits, offset: data.offset };
}

/** Validity of a whole vector (chunks joined into one bitmap when there are several). */
export function vectorValidity(vector: arrow.Vector): BitsAt | null {
  const chunks = vector.data;
  if (chunks.length === 1) return chunkValidity(chunks[0]!);
  if (vector.nullCount === 0) return null;
  const out = newBitmap(vector.length);
  let at = 0;
  for (const d of chunks) {
    const v = chunkValidity(d);
    if (v) copyBits(v.bits, v.offset, out, at, d.length);
    else setBits(out, at, d.length);
    at += d.length;
  }
  return { bits: out, offset: 0 };
}

/**
 * Values of a fixed-width vector as one typed array with row 0 at index 0 (stride elements per
 * row: 2 for Int64 words, 4 for Decimal128). Zero-copy for one chunk; concatenated otherwise.
 */
export function vectorValues(vector: arrow.Vector): TypedArray {
  const chunks = vector.data;
  if (chunks.length === 1) return chunks[0]!.values as TypedArray;
  const Ctor = vector.type.ArrayType as { new (n: number): TypedArray };
  const stride = chunks[0]?.stride ?? 1;
  const out = new Ctor(vector.length * stride);
  let at = 0;
  for (const d of chunks) {
    const v = d.values as TypedArray;
    // `set` over a BigInt64Array needs a BigInt64Array source; the casts keep TS out of the way.
    (out as Float64Array).set((v as Float64Array).subarray(0, d.length * stride), at);
    at += d.length * stride;
  }
  return out;
}

/** Int64 values (BigInt64Array) as little-endian 32-bit words: row i is `[lo, hi]` at `2i`, `2i + 1`. */
export function int64Words(values: TypedArray): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength >>> 2);
}

/** Boolean values of a vector: bits with row 0 at `offset`. */
export function vectorBits(vector: arrow.Vector): BitsAt {
  const chunks = vector.data;
  if (chunks.length === 1) return { bits: chunks[0]!.values as Uint8Array, offset: chunks[0]!.offset };
  const out = newBitmap(vector.length);
  let at = 0;
  for (const d of chunks) {
    copyBits(d.values as Uint8Array, d.offset, out, at, d.length);
    at += d.length;
  }
  return { bits: out, offset: 0 };
}

/** UTF-8 (or binary) column: row i is `bytes[offsets[i], offsets[i + 1])`; offsets[0] may be > 0. */
export interface VarBytes {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

/** Offsets and bytes of a Utf8/Binary vector; chunks are joined (offsets rebased) when several. */
export function vectorStrings(vector: arrow.Vector): VarBytes {
  const chunks = vector.data;
  if (chunks.length === 1) {
    const d = chunks[0]!;
    return { offsets: d.valueOffsets as Int32Array, bytes: d.values as Uint8Array };
  }
  let total = 0;
  for (const d of chunks) {
    const o = d.valueOffsets as Int32Array;
    total += o[d.length]! - o[0]!;
  }
  const offsets = new Int32Array(vector.length + 1);
  const bytes = new Uint8Array(total);
  let row = 0;
  let at = 0;
  for (const d of chunks) {
    const o = d.valueOffsets as Int32Array;
    const base = o[0]!;
    bytes.set((d.values as Uint8Array).subarray(base, o[d.length]!), at);
    for (let i = 1; i <= d.length; i++) offsets[row + i] = o[i]! - base + at;
    row += d.length;
    at += o[d.length]! - base;
  }
  return { offsets, bytes };
}

const encoder = new TextEncoder();

/** A growable byte buffer for kernels whose output size is not known up front. */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
  }
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  copy(from: Uint8Array, s: number, e: number): void {
    this.ensure(e - s);
    this.bytes.set(from.subarray(s, e), this.length);
    this.length += e - s;
  }
  string(s: string): void {
    this.ensure(s.length * 3);
    this.length += encoder.encodeInto(s, this.bytes.subarray(this.length)).written;
  }
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** A fresh Float64Array of `n` elements whose every element the caller overwrites (not zeroed). */
export function allocFloat64(n: number): Float64Array {
  if (n < 1024) return new Float64Array(n);
  const buf = Buffer.allocUnsafeSlow(n * 8);
  return new Float64Array(buf.buffer, buf.byteOffset, n);
}

/** makeData with props checked by the caller rather than by apache-arrow's per-type overloads. */
export function dataOf(
  props: { type: arrow.DataType; length: number } & Record<string, unknown>,
): arrow.Data {
  return arrow.makeData(props as never) as arrow.Data;
}

/** A one-chunk vector of a fixed-width type from its values and validity. */
export function fixedVector(
  type: arrow.DataType,
  values: TypedArray,
  n: number,
  validity: Validity,
): arrow.Vector {
  return new arrow.Vector([
    dataOf({
      type,
      length: n,
      data: values,
      nullBitmap: validity.bitmap ?? undefined,
      nullCount: validity.nullCount,
    }),
  ]);
}

/** A one-chunk BOOLEAN vector from value bits (a {@link newBitmap} of the kernel's, row 0 = bit 0). */
export function boolVector(bits: Uint8Array, n: number, validity: Validity): arrow.Vector {
  clearTail(bits, n);
  return fixedVector(new arrow.Bool(), bits, n, validity);
}

/** A one-chunk Utf8 (or Binary when `binary`) vector from offsets, bytes and validity. */
export function stringVector(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  validity: Validity,
  binary = false,
): arrow.Vector {
  return new arrow.Vector([
    dataOf({
      type: binary ? new arrow.Binary() : new arrow.Utf8(),
      length: n,
      valueOffsets: offsets,
      data: bytes,
      nullBitmap: validity.bitmap ?? undefined,
      nullCount: validity.nullCount,
    }),
  ]);
}

/** Physical numeric kinds the arithmetic kernels know. */
export type NumKind = 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';

/** The numeric kind of an Arrow type, or null for a non-numeric (or unsigned / half) type. */
export function numKind(type: arrow.DataType): NumKind | null {
  if (arrow.DataType.isInt(type)) {
    if (!type.isSigned) return null;
    switch (type.bitWidth) {
      case 8:
        return 'i8';
      case 16:
        return 'i16';
      case 32:
        return 'i32';
      default:
        return 'i64';
    }
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.SINGLE) return 'f32';
    if (type.precision === arrow.Precision.DOUBLE) return 'f64';
  }
  return null;
}

/** The Arrow type of a numeric kind. */
export function arrowTypeOf(kind: NumKind): arrow.DataType {
  switch (kind) {
    case 'i8':
      return new arrow.Int8();
    case 'i16':
      return new arrow.Int16();
    case 'i32':
      return new arrow.Int32();
    case 'i64':
      return new arrow.Int64();
    case 'f32':
      return new arrow.Float32();
    case 'f64':
      return new arrow.Float64();
  }
}

/** Whether the kind is an integer kind. */
export function isIntKind(kind: NumKind): boolean {
  return kind[0] === 'i';
}

const RANK: Record<NumKind, number> = { i8: 0, i16: 1, i32: 2, i64: 3, f32: 4, f64: 5 };

/**
 * Numeric promotion as SQL / Flink's implicit widening does it: the later of the two kinds in
 * TINYINT < SMALLINT < INT < BIGINT < FLOAT < DOUBLE (so INT + BIGINT is BIGINT, FLOAT + BIGINT is
 * FLOAT, anything with DOUBLE is DOUBLE).
 */
export function promote(a: NumKind, b: NumKind): NumKind {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Inclusive range of an integer kind. */
export function intRange(kind: NumKind): readonly [number, number] {
  switch (kind) {
    case 'i8':
      return [-128, 127];
    case 'i16':
      return [-32768, 32767];
    case 'i32':
      return [-2147483648, 2147483647];
    default:
      return [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  }
}

/** Human name of a kind for error messages (the Flink type name). */
export function kindName(kind: NumKind): string {
  return { i8: 'TINYINT', i16: 'SMALLINT', i32: 'INT', i64: 'BIGINT', f32: 'FLOAT', f64: 'DOUBLE' }[kind];
}

/** A short name of an Arrow type for error messages. */
export function typeName(type: arrow.DataType): string {
  const k = numKind(type);
  return k ? kindName(k) : String(type);
}
