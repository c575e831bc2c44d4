/**
 * Row access straight from Arrow buffers: `makeGetter(data, type)` returns `(i) => value` giving the
 * JS value of row i as contracts.md defines it (numbers, bigint for BIGINT, decimal strings, ms for
 * times, `Uint8Array` views for bytes, arrays / Maps / plain objects for nested types, `null` for
 * null). This is the row-wise executor's read path and `Series.get`, so each getter is a closure
 * specialised once per column over the typed arrays: no apache-arrow row proxies, no `vector.get`,
 * no per-row work beyond building the value itself.
 *
 * Offsets follow Apache Arrow JS's convention for `Data`: the validity bitmap and Bool values are
 * read at bit `data.offset + i`; the values / offsets typed arrays of a sliced Data already start
 * at row 0 (Arrow JS slices them), so they are read at `i`. Children of lists and maps are indexed
 * through the (absolute) offsets; children of structs are sliced with their parent.
 *
 * Byte values (BINARY / VARBINARY) are views into the Arrow buffer, not copies: do not modify them.
 *
 * @example
 * const get = makeGetter(batch.getChildAt(0)!.data[0]!, T.DOUBLE());
 * for (let i = 0; i < batch.numRows; i++) total += (get(i) as number | null) ?? 0;
 */
import * as arrow from 'apache-arrow';
import { sameArrowLayout, toArrowType } from '../types/arrow-mapping.js';
import { type DataType, typeToString } from '../types/data-types.js';
import { decimalToString } from '../types/decimal.js';

/** Reads row i of one column; i must be in `[0, length)`. */
export type Getter = (i: number) => unknown;

const TWO_32 = 4294967296;

interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

/** A function decoding `bytes[start, end)` as UTF-8; Node's `Buffer#utf8Slice` where there is one. */
export function utf8Reader(bytes: Uint8Array): (start: number, end: number) => string {
  if (typeof Buffer !== 'undefined') {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as Utf8Slicer;
    if (typeof buf.utf8Slice === 'function') return (s, e) => buf.utf8Slice(s, e);
  }
  const dec = new TextDecoder();
  return (s, e) => dec.decode(bytes.subarray(s, e));
}

/** The low/high 32-bit words of a 64-bit values array, for int64 → number without BigInt. */
function int64Words(values: BigInt64Array | Int32Array): Int32Array {
  if (values instanceof Int32Array) return values;
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/**
 * A getter for row i of `data`, which must have the Arrow layout of `dt` (`toArrowType(dt)`);
 * throws a TypeError otherwise.
 */
export function makeGetter(data: arrow.Data, dt: DataType): Getter {
  const want = toArrowType(dt);
  if (!sameArrowLayout(data.type, want)) {
    throw new TypeError(
      `column of Arrow type ${String(data.type)} cannot be read as ${typeToString(dt)} (Arrow ${String(want)})`,
    );
  }
  return getter(data, dt);
}

function getter(data: arrow.Data, dt: DataType): Getter {
  if (dt.kind === 'NULL') return () => null;
  const get = valueGetter(data, dt);
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return get;
  const off = data.offset;
  return (i) => {
    const b = off + i;
    return (bitmap[b >> 3]! & (1 << (b & 7))) !== 0 ? get(i) : null;
  };
}

function valueGetter(data: arrow.Data, dt: DataType): Getter {
  switch (dt.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DATE':
    case 'BIGINT': {
      const v = data.values as Int32Array | Float64Array | BigInt64Array;
      return (i) => v[i];
    }
    case 'BOOLEAN': {
      const v = data.values as Uint8Array;
      const off = data.offset;
      return (i) => {
        const b = off + i;
        return (v[b >> 3]! & (1 << (b & 7))) !== 0;
      };
    }
    case 'DECIMAL': {
      const v = data.values as Uint32Array;
      const scale = dt.scale;
      return (i) => decimalToString(v, i * 4, scale);
    }
    case 'CHAR':
    case 'VARCHAR': {
      const o = data.valueOffsets as Int32Array;
      const read = utf8Reader(data.values as Uint8Array);
      return (i) => read(o[i]!, o[i + 1]!);
    }
    case 'VARBINARY': {
      const o = data.valueOffsets as Int32Array;
      const v = data.values as Uint8Array;
      return (i) => v.subarray(o[i]!, o[i + 1]!);
    }
    case 'BINARY': {
      const v = data.values as Uint8Array;
      const w = dt.length;
      return (i) => v.subarray(i * w, i * w + w);
    }
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return timeGetter(data);
    case 'ARRAY': {
      const o = data.valueOffsets as Int32Array;
      const child = getter(data.children[0]!, dt.element);
      return (i) => {
        const s = o[i]!;
        const n = o[i + 1]! - s;
        const out = new Array(n);
        for (let k = 0; k < n; k++) out[k] = child(s + k);
        return out;
      };
    }
    case 'MAP': {
      const o = data.valueOffsets as Int32Array;
      const entries = data.children[0]!;
      const key = getter(entries.children[0]!, dt.key);
      const value = getter(entries.children[1]!, dt.value);
      return (i) => {
        const m = new Map<unknown, unknown>();
        const e = o[i + 1]!;
        for (let k = o[i]!; k < e; k++) m.set(key(k), value(k));
        return m;
      };
    }
    case 'ROW': {
      const names = dt.fields.map((f) => f.name);
      const gets = dt.fields.map((f, j) => getter(data.children[j]!, f.type));
      const n = names.length;
      return (i) => {
        const o: Record<string, unknown> = {};
        for (let j = 0; j < n; j++) o[names[j]!] = gets[j]!(i);
        return o;
      };
    }
    case 'NULL':
      return () => null;
  }
}

/** TIME and TIMESTAMP: milliseconds as a number, sub-ms digits as the fraction. */
function timeGetter(data: arrow.Data): Getter {
  const unit = (data.type as arrow.Time | arrow.Timestamp).unit;
  const values = data.values as Int32Array | BigInt64Array;
  if (values instanceof Int32Array) {
    // Time32: seconds or milliseconds
    return unit === arrow.TimeUnit.SECOND ? (i) => values[i]! * 1000 : (i) => values[i];
  }
  const w = int64Words(values);
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return (i) => (w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0)) * 1000;
    case arrow.TimeUnit.MILLISECOND:
      return (i) => w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0);
    case arrow.TimeUnit.MICROSECOND:
      return (i) => splitDivide(w[2 * i + 1]!, w[2 * i]! >>> 0, 1000, 4294967, 296);
    default:
      return (i) => splitDivide(w[2 * i + 1]!, w[2 * i]! >>> 0, 1_000_000, 4294, 967296);
  }
}

/**
 * (hi·2³² + lo) / d for d = 10³ or 10⁶ without BigInt. Beyond 2^53 the whole part is kept exact:
 * with 2³² = qd·d + rd, the value is (hi·qd)·d + (hi·rd + lo), and both parts are exact doubles.
 */
function splitDivide(hi: number, lo: number, d: number, qd: number, rd: number): number {
  // below 2^53 one division is exact to the last bit (the correctly rounded quotient)
  if (hi < 0x200000 && hi >= -0x200000) return (hi * TWO_32 + lo) / d;
  const t = hi * rd + lo;
  const q = Math.floor(t / d);
  return hi * qd + q + (t - q * d) / d;
}

/**
 * A getter over every chunk of a vector: row i of the whole vector. Sequential access stays in
 * the current chunk; a jump finds its chunk by binary search.
 *
 * @example
 * const get = makeVectorGetter(table.getChild('price')!, T.DECIMAL(10, 2));
 */
export function makeVectorGetter(vector: arrow.Vector, dt: DataType): Getter {
  const chunks = vector.data;
  if (chunks.length === 1) return makeGetter(chunks[0]!, dt);
  if (chunks.length === 0) return () => null;
  const getters = chunks.map((d) => makeGetter(d, dt));
  const starts = new Float64Array(chunks.length + 1);
  for (let c = 0; c < chunks.length; c++) starts[c + 1] = starts[c]! + chunks[c]!.length;
  let lo = 0;
  let hi = starts[1]!;
  let g = getters[0]!;
  return (i) => {
    if (i < lo || i >= hi) {
      let a = 0;
      let b = chunks.length - 1;
      while (a < b) {
        const m = (a + b + 1) >> 1;
        if (starts[m]! <= i) a = m;
        else b = m - 1;
      }
      lo = starts[a]!;
      hi = starts[a + 1]!;
      g = getters[a]!;
    }
    return g(i - lo);
  };
}
