/**
 * Arrow record batches → CSV text (RFC 4180), written as bytes: UTF-8 string values are copied
 * from the column's buffer, numbers are written digit by digit, no JS string per value for the
 * common types.
 *
 * Text of each type: integers and decimals in plain decimal; floats as JavaScript prints them
 * (`NaN`, `Infinity` included); booleans `true`/`false`; DATE `2024-06-01`; TIME `12:34:56.789`;
 * TIMESTAMP `2024-06-01 12:34:56.789` (fraction digits by unit: 0, 3, 6 or 9), with a `Z` when
 * the Arrow type carries a time zone (TIMESTAMP_LTZ, an instant); binary as base64; nested values
 * (ARRAY, MAP, ROW) as JSON. A null is an empty field; an empty string is `""`. A field is quoted
 * when it holds the delimiter, a quote, CR or LF, and its quotes are doubled.
 *
 * @example
 * const enc = new CsvEncoder(batch.schema);
 * const w = new ByteWriter();
 * enc.header(w);
 * enc.rows(batch, w); // w.view() holds the CSV bytes
 */
import * as arrow from 'apache-arrow';
import type { ByteWriter } from './byte-writer.js';

const QUOTE = 34;
const CR = 13;
const LF = 10;
const TWO_32 = 4294967296;

export interface CsvOptions {
  /** Field delimiter, one ASCII character (default `,`). */
  delimiter?: string;
}

type FieldWriter = (w: ByteWriter, i: number) => void;

export class CsvEncoder {
  private readonly delimiter: number;

  constructor(
    readonly schema: arrow.Schema,
    opts: CsvOptions = {},
  ) {
    const d = opts.delimiter ?? ',';
    if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
      throw new RangeError(
        `CSV delimiter must be one ASCII character other than a quote or newline, got '${d}'`,
      );
    }
    this.delimiter = d.charCodeAt(0);
  }

  /** Writes the header line (column names). */
  header(w: ByteWriter): void {
    const enc = new TextEncoder();
    this.schema.fields.forEach((f, c) => {
      if (c > 0) w.byte(this.delimiter);
      const bytes = enc.encode(f.name);
      writeText(w, bytes, 0, bytes.length, this.delimiter);
    });
    w.byte(LF);
  }

  /** Writes every row of `batch` (which must have this encoder's schema). */
  rows(batch: arrow.RecordBatch, w: ByteWriter): void {
    const writers = batch.data.children.map((d) => fieldWriter(d, this.delimiter));
    const valid = batch.data.children.map((d) => validityOf(d));
    const cols = writers.length;
    const n = batch.numRows;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < cols; c++) {
        if (c > 0) w.byte(this.delimiter);
        const v = valid[c];
        if (v !== null) {
          const b = v.offset + i;
          if ((v.bitmap[b >>> 3] & (1 << (b & 7))) === 0) continue; // null: empty field
        }
        writers[c](w, i);
      }
      w.byte(LF);
    }
  }
}

function validityOf(d: arrow.Data): { bitmap: Uint8Array; offset: number } | null {
  if (d.typeId === arrow.Type.Null) return null;
  return d.nullCount > 0 && d.nullBitmap ? { bitmap: d.nullBitmap, offset: d.offset } : null;
}

/** Writes UTF-8 bytes as one field, quoting when needed. */
function writeText(w: ByteWriter, bytes: Uint8Array, start: number, end: number, delimiter: number): void {
  if (start === end) {
    // An empty string, told apart from null (an empty field).
    w.byte(QUOTE);
    w.byte(QUOTE);
    return;
  }
  let needs = false;
  for (let p = start; p < end; p++) {
    const b = bytes[p];
    if (b === delimiter || b === QUOTE || b === LF || b === CR) {
      needs = true;
      break;
    }
  }
  if (!needs) {
    w.bytes(bytes, start, end);
    return;
  }
  w.byte(QUOTE);
  for (let p = start; p < end; p++) {
    const b = bytes[p];
    if (b === QUOTE) w.byte(QUOTE);
    w.byte(b);
  }
  w.byte(QUOTE);
}

const encoder = new TextEncoder();

/** Writes a JS string as one field (the cold path for nested and odd types). */
function writeString(w: ByteWriter, s: string, delimiter: number): void {
  const bytes = encoder.encode(s);
  writeText(w, bytes, 0, bytes.length, delimiter);
}

/** An int64 held as two 32-bit words, as a number when safe, else via bigint. */
function writeInt64(w: ByteWriter, words: Int32Array, values: BigInt64Array, i: number): void {
  const v = words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0);
  if (Number.isSafeInteger(v)) w.int(v);
  else w.ascii(values[i].toString());
}

function fieldWriter(d: arrow.Data, delimiter: number): FieldWriter {
  const type = d.type;
  const off = d.offset;
  switch (d.typeId) {
    case arrow.Type.Null:
      return () => {};
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8: {
      const offsets = d.valueOffsets as Int32Array | BigInt64Array;
      const bytes = d.values as Uint8Array;
      if (offsets instanceof BigInt64Array) {
        return (w, i) => writeText(w, bytes, Number(offsets[i]), Number(offsets[i + 1]), delimiter);
      }
      return (w, i) => writeText(w, bytes, offsets[i], offsets[i + 1], delimiter);
    }
    case arrow.Type.Bool: {
      const bits = d.values as Uint8Array;
      return (w, i) => {
        const b = off + i;
        w.ascii((bits[b >>> 3] & (1 << (b & 7))) !== 0 ? 'true' : 'false');
      };
    }
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      const values = d.values as Int32Array;
      if (t.bitWidth < 64) return (w, i) => w.int(values[i]);
      const big = d.values as unknown as BigInt64Array | BigUint64Array;
      if (big instanceof BigUint64Array) return (w, i) => w.ascii(big[i].toString());
      const words = new Int32Array(big.buffer, big.byteOffset, big.length * 2);
      return (w, i) => writeInt64(w, words, big, i);
    }
    case arrow.Type.Float: {
      const values = d.values as Float32Array | Float64Array | Uint16Array;
      if ((type as arrow.Float).precision === arrow.Precision.HALF) {
        return (w, i) => w.ascii(String(arrow.util.uint16ToFloat64(values[i])));
      }
      return (w, i) => {
        const v = values[i];
        if (Number.isInteger(v) && Math.abs(v) < 1e15) w.int(v === 0 ? 0 : v);
        else w.ascii(String(v));
      };
    }
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      const words = d.values as Uint32Array;
      const stride = t.bitWidth / 32;
      return (w, i) => w.ascii(decimalText(words, i * stride, stride, t.scale));
    }
    case arrow.Type.Date: {
      const t = type as arrow.Date_;
      if (t.unit === arrow.DateUnit.DAY) {
        const days = d.values as Int32Array;
        return (w, i) => writeDate(w, days[i]);
      }
      const ms = d.values as unknown as BigInt64Array;
      const words = new Int32Array(ms.buffer, ms.byteOffset, ms.length * 2);
      return (w, i) =>
        writeDate(w, Math.floor((words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0)) / 86_400_000));
    }
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      const digits = fractionDigits(t.unit);
      const values = d.values as Int32Array | BigInt64Array;
      return (w, i) => {
        const v = values[i];
        writeTimeOfDay(w, BigInt(v), digits);
      };
    }
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      const digits = fractionDigits(t.unit);
      const values = d.values as unknown as BigInt64Array;
      const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      const zone = t.timezone != null && t.timezone !== '';
      const perSecond = 10 ** digits;
      return (w, i) => {
        const v = words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0);
        if (Number.isSafeInteger(v)) {
          const secs = Math.floor(v / perSecond);
          writeDateTime(w, secs, v - secs * perSecond, digits);
        } else {
          const big = values[i];
          const p = BigInt(perSecond);
          let secs = big / p;
          let frac = big % p;
          if (frac < 0n) {
            secs -= 1n;
            frac += p;
          }
          writeDateTime(w, Number(secs), Number(frac), digits);
        }
        if (zone) w.byte(90); // 'Z': the instant in UTC
      };
    }
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
    case arrow.Type.FixedSizeBinary: {
      const vector = arrow.makeVector(d);
      return (w, i) => w.ascii(Buffer.from(vector.get(i) as Uint8Array).toString('base64'));
    }
    default: {
      // Nested and rare types: through apache-arrow's row accessor and JSON. Not a hot path.
      const vector = arrow.makeVector(d);
      return (w, i) => writeString(w, jsonText(vector.get(i)), delimiter);
    }
  }
}

function fractionDigits(unit: arrow.TimeUnit): number {
  return unit === arrow.TimeUnit.SECOND
    ? 0
    : unit === arrow.TimeUnit.MILLISECOND
      ? 3
      : unit === arrow.TimeUnit.MICROSECOND
        ? 6
        : 9;
}

/** Plain decimal text of a little-endian two's complement integer of `stride` 32-bit words, with `scale` digits after the point. */
export function decimalText(words: Uint32Array, at: number, stride: number, scale: number): string {
  let v = 0n;
  for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[at + k]);
  const bits = BigInt(stride * 32);
  if (v >> (bits - 1n)) v -= 1n << bits;
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

/** Year, month, day of a day number (days since 1970-01-01), proleptic Gregorian. */
export function civilFromDays(z: number): [number, number, number] {
  // Howard Hinnant's days → civil algorithm (public domain description), on eras of 400 years.
  z += 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function writeDate(w: ByteWriter, days: number): void {
  const [y, m, d] = civilFromDays(days);
  if (y < 0 || y > 9999) w.ascii(String(y));
  else w.padded(y, 4);
  w.byte(45);
  w.padded(m, 2);
  w.byte(45);
  w.padded(d, 2);
}

function writeDateTime(w: ByteWriter, secs: number, frac: number, digits: number): void {
  const days = Math.floor(secs / 86_400);
  writeDate(w, days);
  w.byte(32);
  writeClock(w, secs - days * 86_400, frac, digits);
}

function writeClock(w: ByteWriter, secOfDay: number, frac: number, digits: number): void {
  w.padded(Math.floor(secOfDay / 3600), 2);
  w.byte(58);
  w.padded(Math.floor(secOfDay / 60) % 60, 2);
  w.byte(58);
  w.padded(secOfDay % 60, 2);
  if (digits > 0) {
    w.byte(46);
    w.padded(frac, digits);
  }
}

function writeTimeOfDay(w: ByteWriter, v: bigint, digits: number): void {
  const p = 10n ** BigInt(digits);
  writeClock(w, Number(v / p), Number(v % p), digits);
}

function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return Number.isSafeInteger(Number(x)) ? Number(x) : x.toString();
    if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
    if (x instanceof Map) return Object.fromEntries(x);
    return x;
  });
}
