/**
 * Field coders of Flink's row format, one per DataType, compiled once into closures so the per-row
 * loop does no type dispatch. The formats (big-endian, Java DataOutput) are those of PyFlink's
 * `coder_impl_slow.py` / `coder_impl_fast.pyx` field coders and of the Java serializers Flink pairs
 * with them (`PythonTypeUtils.LogicalTypeToBlinkTypeSerializerConverter`); see row-coder.ts for the
 * table and the sources. Encoders check each value against its type (the contract of
 * docs/dev/contracts.md) and throw a `RowValueError` naming what was expected and what came.
 */
import { type DataType, typeToString } from '../types/data-types.js';
import { decimalToPlain } from './row-coder-decimal.js';
import { type ByteReader, type ByteWriter, RowCodecError } from './row-coder-io.js';

/** Writes a non-null value. */
export type FieldEncoder = (w: ByteWriter, v: unknown) => void;
/** Reads a non-null value. */
export type FieldDecoder = (r: ByteReader) => unknown;

/** A value that does not fit the type it is encoded as. */
export class RowValueError extends TypeError {
  override readonly name = 'RowValueError';
}

function show(v: unknown): string {
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'bigint') return `bigint ${v}`;
  if (typeof v === 'number') return `number ${v}`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'Map';
  if (v instanceof Date) return 'Date';
  return typeof v;
}

function mismatch(t: DataType, v: unknown, why = ''): never {
  throw new RowValueError(`expected ${typeToString(t)}, got ${show(v)}${why}`);
}

/** Bytes of the leading mask of a row of `n` fields: 2 row-kind bits, then one null bit per field. */
export function maskBytes(n: number): number {
  return (n + 2 + 7) >> 3;
}

const MS_PER_DAY = 86400000;
const MAX_MS = 2 ** 53;

function intEncoder(
  t: DataType,
  min: number,
  max: number,
  put: (w: ByteWriter, v: number) => void,
): FieldEncoder {
  return (w, v) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < min || v > max)
        mismatch(t, v, Number.isInteger(v) ? ' (out of range)' : '');
      put(w, v);
    } else if (typeof v === 'bigint') {
      if (v < BigInt(min) || v > BigInt(max)) mismatch(t, v, ' (out of range)');
      put(w, Number(v));
    } else mismatch(t, v);
  };
}

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

/** Milliseconds of a TIMESTAMP / TIMESTAMP_LTZ value (number ms, Date, or bigint ms). */
function toMillis(t: DataType, v: unknown): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'bigint') ms = Number(v);
  else mismatch(t, v);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_MS) mismatch(t, v, ' (not a finite millisecond count)');
  return ms;
}

/** The field coder that writes a non-null value of type `t`. */
export function fieldEncoder(t: DataType): FieldEncoder {
  switch (t.kind) {
    case 'TINYINT':
      return intEncoder(t, -128, 127, (w, v) => w.i8(v));
    case 'SMALLINT':
      return intEncoder(t, -32768, 32767, (w, v) => w.i16(v));
    case 'INT':
      return intEncoder(t, -2147483648, 2147483647, (w, v) => w.i32(v));
    case 'BIGINT':
      return (w, v) => {
        if (typeof v === 'bigint') {
          if (v < MIN_I64 || v > MAX_I64) mismatch(t, v, ' (out of range)');
          w.i64(v);
        } else if (typeof v === 'number' && Number.isSafeInteger(v)) w.i64n(v);
        else mismatch(t, v, typeof v === 'number' ? ' (not a safe integer)' : '');
      };
    case 'FLOAT':
      return (w, v) => {
        if (typeof v !== 'number') mismatch(t, v);
        w.f32(v);
      };
    case 'DOUBLE':
      return (w, v) => {
        if (typeof v !== 'number') mismatch(t, v);
        w.f64(v);
      };
    case 'BOOLEAN':
      return (w, v) => {
        if (typeof v !== 'boolean') mismatch(t, v);
        w.u8(v ? 1 : 0);
      };
    case 'DECIMAL': {
      const { precision, scale } = t;
      return (w, v) => {
        let text: string;
        try {
          text = decimalToPlain(v, precision, scale);
        } catch (e) {
          mismatch(t, v, ` (${(e as Error).message})`);
        }
        w.ascii(text);
      };
    }
    case 'CHAR':
    case 'VARCHAR':
      return (w, v) => {
        if (typeof v !== 'string') mismatch(t, v);
        w.utf8(v);
      };
    case 'BINARY':
    case 'VARBINARY': {
      const fixed = t.kind === 'BINARY' ? t.length : -1;
      return (w, v) => {
        if (!(v instanceof Uint8Array)) mismatch(t, v);
        if (fixed >= 0 && v.length !== fixed)
          mismatch(t, v, ` (BINARY(${fixed}) holds exactly ${fixed} bytes)`);
        w.bytes(v);
      };
    }
    case 'DATE':
      return (w, v) => {
        let days: number;
        if (typeof v === 'number') days = v;
        else if (v instanceof Date) days = Math.floor(v.getTime() / MS_PER_DAY);
        else mismatch(t, v);
        if (!Number.isInteger(days) || days < -2147483648 || days > 2147483647) mismatch(t, v);
        w.i32(days);
      };
    case 'TIME':
      // Flink's TIME is an int of milliseconds of the day, whatever the precision (sub-ms digits are dropped).
      return (w, v) => {
        if (typeof v !== 'number' || !(v >= 0 && v < MS_PER_DAY))
          mismatch(t, v, ' (milliseconds of the day)');
        w.i32(Math.floor(v));
      };
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      if (t.precision <= 3) {
        // Flink's compact form: the epoch milliseconds only.
        return (w, v) => w.i64n(Math.floor(toMillis(t, v)));
      }
      const unit = 10 ** (9 - t.precision); // nanoseconds per unit of the precision
      return (w, v) => {
        const x = toMillis(t, v);
        let ms = Math.floor(x);
        let nanos = Math.round(((x - ms) * 1e6) / unit) * unit;
        if (nanos >= 1e6) {
          ms += 1;
          nanos -= 1e6;
        }
        w.i64n(ms);
        w.i32(nanos);
      };
    }
    case 'ARRAY': {
      const enc = fieldEncoder(t.element);
      return (w, v) => {
        if (typeof v !== 'object' || v === null || !(Symbol.iterator in v) || v instanceof Uint8Array)
          mismatch(t, v);
        const arr = Array.isArray(v) ? v : Array.from(v as Iterable<unknown>);
        w.i32(arr.length);
        for (let i = 0; i < arr.length; i++) {
          const e = arr[i];
          if (e === null || e === undefined) w.u8(0);
          else {
            w.u8(1);
            enc(w, e);
          }
        }
      };
    }
    case 'MAP': {
      const encKey = fieldEncoder(t.key);
      const encValue = fieldEncoder(t.value);
      const entry = (w: ByteWriter, k: unknown, val: unknown) => {
        if (k === null || k === undefined) mismatch(t, k, ' (a map key must not be null)');
        encKey(w, k);
        if (val === null || val === undefined) w.u8(1);
        else {
          w.u8(0);
          encValue(w, val);
        }
      };
      return (w, v) => {
        if (v instanceof Map) {
          w.i32(v.size);
          for (const [k, val] of v) entry(w, k, val);
        } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          const keys = Object.keys(v);
          w.i32(keys.length);
          for (const k of keys) entry(w, k, (v as Record<string, unknown>)[k]);
        } else mismatch(t, v);
      };
    }
    case 'ROW': {
      const names = t.fields.map((f) => f.name);
      const encs = t.fields.map((f) => fieldEncoder(f.type));
      const n = names.length;
      const mb = maskBytes(n);
      return (w, v) => {
        if (typeof v !== 'object' || v === null) mismatch(t, v);
        const byPos = Array.isArray(v);
        const get = (i: number): unknown =>
          byPos ? (v as unknown[])[i] : (v as Record<string, unknown>)[names[i]!];
        w.ensure(mb);
        const maskAt = w.pos;
        w.buf.fill(0, maskAt, maskAt + mb);
        w.pos += mb;
        for (let i = 0; i < n; i++) {
          const x = get(i);
          if (x === null || x === undefined) {
            const bit = i + 2;
            w.buf[maskAt + (bit >> 3)]! |= 0x80 >> (bit & 7);
          } else encs[i]!(w, x);
        }
      };
    }
    case 'NULL':
      return (_w, v) => mismatch(t, v, ' (a NULL column holds only nulls)');
  }
}

/** The field coder that reads a non-null value of type `t` as its JS value. */
export function fieldDecoder(t: DataType): FieldDecoder {
  switch (t.kind) {
    case 'TINYINT':
      return (r) => r.i8();
    case 'SMALLINT':
      return (r) => r.i16();
    case 'INT':
    case 'DATE':
    case 'TIME':
      return (r) => r.i32();
    case 'BIGINT':
      return (r) => r.i64();
    case 'FLOAT':
      return (r) => r.f32();
    case 'DOUBLE':
      return (r) => r.f64();
    case 'BOOLEAN':
      return (r) => r.u8() !== 0;
    case 'DECIMAL': {
      const { precision, scale } = t;
      return (r) => {
        const text = r.utf8();
        try {
          return decimalToPlain(text, precision, scale);
        } catch (e) {
          throw new RowCodecError(`bad ${typeToString(t)} text '${text}': ${(e as Error).message}`);
        }
      };
    }
    case 'CHAR':
    case 'VARCHAR':
      return (r) => r.utf8();
    case 'BINARY':
    case 'VARBINARY':
      return (r) => r.bytes();
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      if (t.precision <= 3) return (r) => r.i64n();
      return (r) => {
        const ms = r.i64n();
        const nanos = r.i32();
        if (nanos < 0 || nanos >= 1e6) throw new RowCodecError(`bad nano-of-millisecond ${nanos}`);
        return ms + nanos / 1e6;
      };
    case 'ARRAY': {
      const dec = fieldDecoder(t.element);
      return (r) => {
        const n = r.i32();
        // every element takes at least its one-byte null flag: a lying count fails here, not in an allocation
        if (n < 0 || n > r.end - r.pos)
          throw new RowCodecError(`bad array length ${n} at offset ${r.pos - 4}`);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = r.u8() !== 0 ? dec(r) : null;
        return out;
      };
    }
    case 'MAP': {
      const decKey = fieldDecoder(t.key);
      const decValue = fieldDecoder(t.value);
      return (r) => {
        const n = r.i32();
        if (n < 0 || n > r.end - r.pos) throw new RowCodecError(`bad map size ${n} at offset ${r.pos - 4}`);
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const k = decKey(r);
          m.set(k, r.u8() !== 0 ? null : decValue(r));
        }
        return m;
      };
    }
    case 'ROW': {
      const names = t.fields.map((f) => f.name);
      const decs = t.fields.map((f) => fieldDecoder(f.type));
      const n = names.length;
      const mb = maskBytes(n);
      return (r) => {
        r.need(mb);
        const maskAt = r.pos;
        r.pos += mb;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const bit = i + 2;
          const isNull = (r.buf[maskAt + (bit >> 3)]! & (0x80 >> (bit & 7))) !== 0;
          out[names[i]!] = isNull ? null : decs[i]!(r);
        }
        return out;
      };
    }
    case 'NULL':
      return () => null;
  }
}
