/**
 * The row coder of row-wise mode: Flink's format for general (non-vectorized) Python UDFs, i.e.
 * the coder a `CoderInfoDescriptor` with `flatten_row_type` selects (PyFlink `FlattenRowCoderImpl`,
 * Java `org.apache.flink.table.runtime.typeutils.serializers.python.RowDataSerializer`).
 *
 * ## Framing on the data plane
 * Every row is one element: `varint(length)` then `length` bytes of the row. The Java operator
 * (`PythonScalarFunctionOperator.processElementInternal`) serializes each input row on its own
 * and hands it to Beam as one element whose wire coder is `length_prefix` over `flink:coder:v1`;
 * PyFlink reads the input with `IterableCoderImpl` (mode MULTIPLE: `while bytes remain: varint
 * length, decode one row`) and writes one element per result row with `ValueCoderImpl` (mode
 * SINGLE: `varint(length)` + row). Flink's scalar operator asks for input MULTIPLE and output
 * SINGLE, both with `separated_with_end_message = false` (no trailing `0x00` end message).
 *
 * ## One row
 * A mask of `ceil((n + 2) / 8)` bytes, bits most significant first: bits 0–1 are the RowKind
 * (bit 0 = kind & 1, bit 1 = kind & 2; always 0 = INSERT for flatten rows), bit `2 + i` is set when
 * field i is null. Then each non-null field, in order, with its field coder (Java DataOutput,
 * big-endian):
 *
 * | type | bytes |
 * | --- | --- |
 * | TINYINT / SMALLINT / INT / BIGINT | 1 / 2 / 4 / 8 bytes, two's complement |
 * | FLOAT / DOUBLE | IEEE 754, 4 / 8 bytes |
 * | BOOLEAN | 1 byte, 0 or 1 |
 * | CHAR / VARCHAR / STRING | int32 byte length, then UTF-8 |
 * | BINARY / VARBINARY / BYTES | int32 length, then the bytes |
 * | DECIMAL(p, s) | int32 length, then the decimal as UTF-8 text (Java `BigDecimal.toString()`, may carry an exponent) |
 * | DATE | int32 days since 1970-01-01 |
 * | TIME(p) | int32 milliseconds of the day (any precision: Flink keeps TIME as ms) |
 * | TIMESTAMP(p), TIMESTAMP_LTZ(p) | p ≤ 3: int64 epoch milliseconds; p > 3: int64 ms then int32 nano-of-millisecond |
 * | ARRAY<T> | int32 count, then per element a byte (1 = present, 0 = null) and, if present, the element |
 * | MAP<K, V> | int32 count, then per entry the key, a byte (1 = value null, 0 = present), and the value if present |
 * | ROW<…> (nested) | the same mask (row kind bits 0) and fields, recursively |
 *
 * Sources (apache/flink): flink-python/pyflink/fn_execution/coder_impl_slow.py (FlattenRowCoderImpl,
 * RowCoderImpl, MaskUtils, the field coder impls), stream_slow.py (byte order, `write_bytes` =
 * int32 length + bytes, Beam varint), coders.py (`from_proto`: field type → coder; BINARY/VARBINARY
 * → BinaryCoder, CHAR/VARCHAR → CharCoder, BASIC_ARRAY → GenericArrayCoder),
 * flink-python/src/main/java/org/apache/flink/table/runtime/typeutils/PythonTypeUtils.java (the
 * Java serializers: RowDataSerializer, StringDataSerializer, IntSerializer for DATE/TIME,
 * TimestampDataSerializer, ArrayDataSerializer, MapDataSerializer, DecimalDataSerializer),
 * PythonScalarFunctionOperator / ProtoUtils (coder modes).
 *
 * Our choices where Flink has nothing to copy: NULL-typed fields (Flink's `from_proto` rejects the
 * NULL type) are always null, so only their mask bit is written; TIMESTAMP(p > 3) values are JS
 * numbers of ms, so nano digits below the double's resolution (~0.25 µs today) are rounded to the
 * type's precision; DECIMAL is written in plain notation with exactly s digits (both Java's
 * `new BigDecimal(text)` and Python's `Decimal(text)` read it), and read in either notation.
 *
 * @example
 * const bytes = encodeRows(batch, [T.INT(), T.STRING()]);          // one element per row
 * decodeRows(bytes, [T.INT(), T.STRING()], (values, i) => console.log(i, values));
 */
import type * as arrow from 'apache-arrow';
import { makeGetter } from '../series/accessors.js';
import { createColumnBuilder } from '../series/column-builder.js';
import { fromArrowField } from '../types/arrow-mapping.js';
import { type DataType, typeToString } from '../types/data-types.js';
import {
  type FieldDecoder,
  type FieldEncoder,
  fieldDecoder,
  fieldEncoder,
  maskBytes,
} from './row-coder-fields.js';
import { ByteReader, type ByteWriter, borrowWriter, RowCodecError, returnWriter } from './row-coder-io.js';

export { RowValueError } from './row-coder-fields.js';
export { ByteReader, ByteWriter, RowCodecError } from './row-coder-io.js';

/** Field coders of one row type, compiled once. */
export interface RowCodec {
  readonly types: readonly DataType[];
  readonly encoders: readonly FieldEncoder[];
  readonly decoders: readonly FieldDecoder[];
  readonly maskBytes: number;
}

const codecCache = new Map<string, RowCodec>();

/** The (cached) codec of rows with these field types. */
export function createRowCodec(types: readonly DataType[]): RowCodec {
  const key = types.map(typeToString).join('\u0000');
  let c = codecCache.get(key);
  if (!c) {
    c = {
      types: [...types],
      encoders: types.map(fieldEncoder),
      decoders: types.map(fieldDecoder),
      maskBytes: maskBytes(types.length),
    };
    codecCache.set(key, c);
  }
  return c;
}

/**
 * Thrown when a value does not fit its field; `field` is the index of the field in the row.
 * Callers add the row (and the UDF) to the message.
 */
export class RowFieldError extends Error {
  override readonly name = 'RowFieldError';
  constructor(
    readonly field: number,
    cause: Error,
  ) {
    super(`field ${field}: ${cause.message}`, { cause });
  }
}

/**
 * Writes one element: `varint(length)`, the mask, the fields. `values[i]` null or undefined is a
 * null field. The length prefix is guessed as one byte and moved only for rows of 128+ bytes.
 */
export function writeRow(w: ByteWriter, codec: RowCodec, values: ArrayLike<unknown>): void {
  const { encoders, maskBytes: mb } = codec;
  const n = encoders.length;
  w.ensure(1 + mb);
  const lenAt = w.pos;
  const maskAt = lenAt + 1;
  const buf0 = w.buf;
  for (let k = 0; k < mb; k++) buf0[maskAt + k] = 0;
  w.pos = maskAt + mb;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      const bit = i + 2;
      w.buf[maskAt + (bit >> 3)]! |= 0x80 >> (bit & 7);
    } else {
      try {
        encoders[i]!(w, v);
      } catch (e) {
        w.pos = lenAt; // drop the partial row
        throw new RowFieldError(i, e as Error);
      }
    }
  }
  finishElement(w, lenAt, maskAt);
}

/** Fixes the varint length of the element whose body runs from `bodyAt` to `w.pos`. */
function finishElement(w: ByteWriter, lenAt: number, bodyAt: number): void {
  const len = w.pos - bodyAt;
  if (len < 0x80) {
    w.buf[lenAt] = len;
    return;
  }
  let size = 1;
  for (let x = len; x >= 0x80; x = Math.floor(x / 0x80)) size++;
  w.ensure(size - 1);
  w.buf.copyWithin(bodyAt + size - 1, bodyAt, w.pos);
  const end = w.pos + size - 1;
  w.pos = lenAt;
  w.varint(len);
  w.pos = end;
}

/**
 * Reads one element into `out` (length ≥ field count): checks that the row uses exactly its
 * declared length. Leaves `r.pos` after the element and `r.end` at the end of the input.
 */
export function readRow(r: ByteReader, codec: RowCodec, out: unknown[], inputEnd: number): void {
  r.end = inputEnd;
  const len = r.varint();
  const start = r.pos;
  const end = start + len;
  if (end > inputEnd)
    throw new RowCodecError(
      `element of ${len} bytes at offset ${start} runs past the input (${inputEnd} bytes)`,
    );
  r.end = end;
  const { decoders, maskBytes: mb } = codec;
  r.need(mb);
  const maskAt = start;
  r.pos = start + mb;
  const buf = r.buf;
  for (let i = 0; i < decoders.length; i++) {
    const bit = i + 2;
    out[i] = (buf[maskAt + (bit >> 3)]! & (0x80 >> (bit & 7))) !== 0 ? null : decoders[i]!(r);
  }
  if (r.pos !== end) {
    throw new RowCodecError(`row declared ${len} bytes but its fields use ${r.pos - start}`);
  }
  r.end = inputEnd;
}

/** A column for `encodeRows`: an Arrow vector (or a Series, which holds one) and its DataType. */
export type ColumnInput = arrow.Vector | { readonly vector: arrow.Vector };

/**
 * Encodes the rows of a record batch (or of columns of equal length) as row-coder elements,
 * reading every value straight from the Arrow buffers. `types` defaults to the batch's field types.
 */
export function encodeRows(
  input: arrow.RecordBatch | readonly ColumnInput[],
  types?: readonly DataType[],
): Uint8Array {
  const vectors: arrow.Vector[] = [];
  let fieldTypes: DataType[] | undefined;
  if (Array.isArray(input)) {
    for (const c of input as readonly ColumnInput[])
      vectors.push('vector' in c && !('data' in c) ? c.vector : (c as arrow.Vector));
  } else {
    const batch = input as arrow.RecordBatch;
    for (let i = 0; i < batch.numCols; i++) vectors.push(batch.getChildAt(i)!);
    fieldTypes = batch.schema.fields.map((f) => fromArrowField(f));
  }
  const dts = types ?? fieldTypes;
  if (!dts) throw new TypeError('encodeRows: give the DataType of each column');
  if (dts.length !== vectors.length) {
    throw new TypeError(`encodeRows: ${vectors.length} column(s) but ${dts.length} type(s)`);
  }
  const n = vectors.length === 0 ? 0 : vectors[0]!.length;
  for (const v of vectors) if (v.length !== n) throw new TypeError('encodeRows: columns differ in length');
  const codec = createRowCodec(dts);
  const w = borrowWriter(Math.max(1024, n * (1 + codec.maskBytes + 8 * dts.length)));
  const values = new Array<unknown>(dts.length).fill(null);
  // Columns may have several chunks: walk them chunk-aligned so each getter reads one Data.
  const readers = vectors.map((v, c) => chunkReader(v, dts[c]!));
  try {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < readers.length; c++) values[c] = readers[c]!(i);
      try {
        writeRow(w, codec, values);
      } catch (e) {
        throw new RowCodecError(`encodeRows: row ${i}: ${(e as Error).message}`);
      }
    }
    return w.finish();
  } finally {
    returnWriter(w);
  }
}

/** A getter over every chunk of a vector (the common single-chunk case is the getter itself). */
function chunkReader(v: arrow.Vector, dt: DataType): (i: number) => unknown {
  const chunks = v.data;
  if (chunks.length === 1) return makeGetter(chunks[0]!, dt);
  const getters = chunks.map((d) => makeGetter(d, dt));
  const starts = new Int32Array(chunks.length + 1);
  for (let k = 0; k < chunks.length; k++) starts[k + 1] = starts[k]! + chunks[k]!.length;
  let k = 0;
  return (i) => {
    if (i < starts[k]! || i >= starts[k + 1]!) {
      k = 0;
      while (i >= starts[k + 1]!) k++;
    }
    return getters[k]!(i - starts[k]!);
  };
}

/**
 * Decodes every element of `bytes`, calling `onRow` with one reused values array per row (copy it
 * to keep it). Returns the number of rows.
 */
export function decodeRows(
  bytes: Uint8Array,
  types: readonly DataType[],
  onRow: (values: unknown[], row: number) => void,
): number {
  const codec = createRowCodec(types);
  const r = new ByteReader(bytes);
  const values = new Array<unknown>(types.length).fill(null);
  const end = bytes.byteLength;
  let row = 0;
  while (r.pos < end) {
    try {
      readRow(r, codec, values, end);
    } catch (e) {
      throw new RowCodecError(`decodeRows: row ${row}: ${(e as Error).message}`);
    }
    onRow(values, row++);
  }
  return row;
}

/** Decodes every element of `bytes` into one Arrow vector per field. */
export function decodeRowsToColumns(bytes: Uint8Array, types: readonly DataType[]): arrow.Vector[] {
  const builders = types.map((t) => createColumnBuilder(t));
  decodeRows(bytes, types, (values) => {
    for (let c = 0; c < builders.length; c++) builders[c]!.append(values[c]);
  });
  return builders.map((b) => b.finish());
}
