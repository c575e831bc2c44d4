/**
 * Casts to and from STRING.
 *
 * To STRING: numbers as JS prints them (`String(x)`; a FLOAT by its shortest float32 spelling, so
 * 0.1f is `0.1`), BIGINT exactly, booleans as `true` / `false`, DECIMAL with exactly `scale`
 * fraction digits, DATE `YYYY-MM-DD`, TIME `HH:MM:SS[.f]` and TIMESTAMP `YYYY-MM-DD HH:MM:SS[.f]`
 * with as many fraction digits as the precision (TIMESTAMP_LTZ in the session zone), bytes decoded
 * as UTF-8 (zero-copy for VARBINARY; invalid UTF-8 is an invalid value).
 *
 * From STRING (surrounding whitespace ignored): integers in decimal notation (parsed from the
 * bytes, exact for BIGINT), floats in decimal or exponent notation plus NaN / Infinity, booleans
 * (true / false, t / f, yes / no, y / n, 1 / 0, any case, as Flink), DECIMAL (rounded half up), DATE
 * `[-]Y-M-D`, TIME `H:M[:S[.f]]`, TIMESTAMP `Y-M-D[( |T)H:M[:S[.f]]]`, for TIMESTAMP_LTZ with an
 * optional `Z` / `±HH:MM` (else the wall clock in the session zone); bytes as UTF-8.
 *
 * @example
 * // STRING ' 42 ' → INT 42; '4.2' → INT is invalid (not an integer)
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { toArrowType } from '../../types/arrow-mapping.js';
import { typeToString } from '../../types/data-types.js';
import { DecimalError, decimalToString, parseDecimal, writeDecimal128 } from '../../types/decimal.js';
import { utf8Reader } from '../accessors.js';
import { newBitmap } from '../bitmap.js';
import { type CastRun, shortestFloat32 } from './cast-common.js';
import { convertSub, perSecond, secondsReader, wallToUtc, writeUnits, zoneOf } from './cast-temporal.js';
import { toBigInt, toNumber, writeBigInt, writeNumber } from './int64.js';
import {
  ByteWriter,
  fixedVector,
  int64Words,
  intRange,
  type NumKind,
  numKind,
  stringVector,
  vectorBits,
  vectorStrings,
  vectorValues,
} from './layout.js';
import { civilFromDays, daysFromCivil, daysInMonth } from './temporal.js';

const DAY = 86400;

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}

/** `YYYY-MM-DD` (a negative year with a sign, a year past 9999 with `+`, as ISO 8601 does). */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  const year = y < 0 ? `-${pad(-y, 4)}` : y > 9999 ? `+${y}` : pad(y, 4);
  return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `HH:MM:SS` plus `digits` fraction digits of `sub` (in units of `per` per second). */
function formatTime(sod: number, sub: number, per: number, digits: number): string {
  const h = Math.floor(sod / 3600);
  const m = Math.floor(sod / 60) % 60;
  const s = sod % 60;
  let text = `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
  if (digits > 0) {
    const frac = convertSub(sub, per, 10 ** digits);
    text += `.${pad(frac, digits)}`;
  }
  return text;
}

/** Any non-string column → STRING. */
export function toStringCast(run: CastRun): arrow.Vector {
  const { from, n, vector } = run;
  if (from.kind === 'VARBINARY') return bytesToString(run);
  const w = new ByteWriter(n * 8);
  const offsets = new Int32Array(n + 1);
  let text: (i: number) => string;
  const values = from.kind === 'BINARY' || from.kind === 'BOOLEAN' ? null : vectorValues(vector);
  switch (from.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'DOUBLE': {
      const x = values as Float64Array;
      text = (i) => String(x[i]);
      break;
    }
    case 'FLOAT': {
      const x = values as Float32Array;
      text = (i) => String(shortestFloat32(x[i]!));
      break;
    }
    case 'BIGINT': {
      const x = int64Words(values!);
      text = (i) => {
        const v = toNumber(x, i);
        return Number.isSafeInteger(v) ? String(v) : String(toBigInt(x, i));
      };
      break;
    }
    case 'BOOLEAN': {
      const { bits, offset } = vectorBits(vector);
      text = (i) => (((bits[(offset + i) >>> 3]! >>> ((offset + i) & 7)) & 1) === 1 ? 'true' : 'false');
      break;
    }
    case 'DECIMAL': {
      const x = values as Uint32Array;
      const scale = from.scale;
      text = (i) => decimalToString(x, 4 * i, scale);
      break;
    }
    case 'DATE': {
      const x = values as Int32Array;
      text = (i) => formatDate(x[i]!);
      break;
    }
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const read = secondsReader(vector);
      const per = perSecond(vector.type);
      const digits = from.precision;
      const zone = zoneOf(from, vector.type);
      const cur = new Float64Array(2);
      const time = from.kind === 'TIME';
      text = (i) => {
        read(i, cur);
        let secs = cur[0]!;
        if (zone) secs += zone(secs);
        const days = Math.floor(secs / DAY);
        const clock = formatTime(secs - days * DAY, cur[1]!, per, digits);
        return time ? clock : `${formatDate(days)} ${clock}`;
      };
      break;
    }
    case 'BINARY': {
      const bytes =
        vector.data.length === 1
          ? (vector.data[0]!.values as Uint8Array)
          : (vectorValues(vector) as Uint8Array);
      const width = from.length;
      const read = utf8Reader(bytes);
      text = (i) => {
        const s = bytes.subarray(i * width, i * width + width);
        if (!isUtf8(s)) throw new DecimalError('not valid UTF-8');
        return read(i * width, i * width + width);
      };
      break;
    }
    default:
      throw new TypeError(`cannot cast ${typeToString(from)} to ${typeToString(run.to)}`);
  }
  for (let i = 0; i < n; i++) {
    if (run.isValid(i)) {
      try {
        w.string(text(i));
      } catch (e) {
        if (!(e instanceof DecimalError)) throw e;
        run.bad(i, e.message);
      }
    }
    offsets[i + 1] = w.length;
  }
  return stringVector(offsets, w.finish(), n, run.validity());
}

/** VARBINARY → STRING: the same bytes, once every row is checked to be UTF-8. */
function bytesToString(run: CastRun): arrow.Vector {
  const { offsets, bytes } = vectorStrings(run.vector);
  for (let i = 0; i < run.n; i++) {
    if (run.isValid(i) && !isUtf8(bytes.subarray(offsets[i]!, offsets[i + 1]!)))
      run.bad(i, 'not valid UTF-8');
  }
  return stringVector(offsets, bytes, run.n, run.validity());
}

/** Cuts every row to `length` code points; `pad` (CHAR) pads shorter rows with spaces. */
export function resizeStrings(vector: arrow.Vector, padSpaces: boolean, length: number): arrow.Vector {
  const n = vector.length;
  const { offsets, bytes } = vectorStrings(vector);
  const w = new ByteWriter((offsets[n] ?? 0) - (offsets[0] ?? 0) + (padSpaces ? n * length : 0));
  const out = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    let p = s;
    let count = 0;
    while (p < e && count < length) {
      p++;
      while (p < e && (bytes[p]! & 0xc0) === 0x80) p++;
      count++;
    }
    w.copy(bytes, s, p);
    if (padSpaces && count < length) {
      w.ensure(length - count);
      w.bytes.fill(0x20, w.length, w.length + length - count);
      w.length += length - count;
    }
    out[i + 1] = w.length;
  }
  const data = vector.data[0]!;
  const v = data.nullCount > 0 || vector.data.length > 1 ? vector.nullCount : 0;
  // Validity is unchanged: rebuild it flat from the vector.
  const validity = v === 0 ? { bitmap: null, nullCount: 0 } : flatValidity(vector);
  return stringVector(out, w.finish(), n, validity);
}

function flatValidity(vector: arrow.Vector) {
  const n = vector.length;
  const bits = newBitmap(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (vector.isValid(i)) bits[i >>> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap: bits, nullCount: nulls };
}

/** STRING → any other type. */
export function fromStringCast(run: CastRun): arrow.Vector {
  const { to, n, vector } = run;
  const { offsets, bytes } = vectorStrings(vector);
  const read = utf8Reader(bytes);
  const type = toArrowType(to);
  const kind = numKind(type);
  if (kind === 'i8' || kind === 'i16' || kind === 'i32' || kind === 'i64')
    return parseIntegers(run, kind, offsets, bytes);
  switch (to.kind) {
    case 'FLOAT':
    case 'DOUBLE': {
      const out = to.kind === 'FLOAT' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (!run.isValid(i)) continue;
        const t = read(offsets[i]!, offsets[i + 1]!);
        const v = parseFloatText(t);
        if (v === null) run.bad(i, `'${t}' is not a number`);
        else out[i] = v;
      }
      return fixedVector(type, out, n, run.validity());
    }
    case 'BOOLEAN': {
      const out = newBitmap(n);
      for (let i = 0; i < n; i++) {
        if (!run.isValid(i)) continue;
        const t = read(offsets[i]!, offsets[i + 1]!);
        const b = BOOLEANS.get(t.trim().toLowerCase());
        if (b === undefined) run.bad(i, `'${t}' is not a boolean`);
        else if (b) out[i >>> 3]! |= 1 << (i & 7);
      }
      return fixedVector(type, out, n, run.validity());
    }
    case 'DECIMAL': {
      const out = new Uint32Array(4 * n);
      for (let i = 0; i < n; i++) {
        if (!run.isValid(i)) continue;
        const t = read(offsets[i]!, offsets[i + 1]!);
        try {
          writeDecimal128(out, 4 * i, parseDecimal(t, to.precision, to.scale));
        } catch (e) {
          if (!(e instanceof DecimalError)) throw e;
          run.bad(i, e.message);
        }
      }
      return fixedVector(type, out, n, run.validity());
    }
    case 'VARBINARY':
      return new arrow.Vector([
        arrow.makeData({
          type: new arrow.Binary(),
          length: n,
          valueOffsets: offsets,
          data: bytes,
          nullBitmap: run.base.bitmap ?? undefined,
          nullCount: run.base.nullCount,
        } as never),
      ]);
    case 'BINARY': {
      const width = to.length;
      const out = new Uint8Array(n * width);
      for (let i = 0; i < n; i++) {
        const s = offsets[i]!;
        out.set(bytes.subarray(s, Math.min(offsets[i + 1]!, s + width)), i * width);
      }
      return fixedVector(type, out, n, run.base);
    }
    case 'DATE': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (!run.isValid(i)) continue;
        const t = read(offsets[i]!, offsets[i + 1]!);
        const d = parseDate(t);
        if (d === null) run.bad(i, `'${t}' is not a date (YYYY-MM-DD)`);
        else out[i] = d;
      }
      return fixedVector(type, out, n, run.validity());
    }
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const per = perSecond(type);
      const words = type.ArrayType === BigInt64Array;
      const out = new Int32Array(words ? 2 * n : n);
      const zone = zoneOf(to, type);
      const cur = new Float64Array(3);
      for (let i = 0; i < n; i++) {
        if (!run.isValid(i)) continue;
        const t = read(offsets[i]!, offsets[i + 1]!);
        const ok = to.kind === 'TIME' ? parseTime(t, per, cur) : parseTimestamp(t, per, cur, zone !== null);
        if (!ok) {
          run.bad(
            i,
            `'${t}' is not a ${to.kind === 'TIME' ? 'time (HH:MM:SS)' : 'timestamp (YYYY-MM-DD HH:MM:SS)'}`,
          );
          continue;
        }
        let secs = cur[0]!;
        const sub = cur[1]!;
        // Without a zone in the text it is a wall-clock time, which an LTZ takes in its zone.
        if (zone && cur[2] === 0) secs = wallToUtc(secs, zone);
        if (words) {
          if (!writeUnits(out, i, secs, sub, per)) run.bad(i, `'${t}' out of range`);
        } else out[i] = secs * per + sub;
      }
      return fixedVector(type, out, n, run.validity());
    }
    default:
      throw new TypeError(`cannot cast ${typeToString(run.from)} to ${typeToString(to)}`);
  }
}

const BOOLEANS = new Map<string, boolean>([
  ['true', true],
  ['t', true],
  ['yes', true],
  ['y', true],
  ['1', true],
  ['false', false],
  ['f', false],
  ['no', false],
  ['n', false],
  ['0', false],
]);

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|infinity|inf|nan)$/i;

function parseFloatText(t: string): number | null {
  const s = t.trim();
  if (!FLOAT_RE.test(s)) return null;
  const lower = s.toLowerCase();
  if (lower.endsWith('nan')) return Number.NaN;
  if (lower.endsWith('inf') || lower.endsWith('infinity'))
    return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

/** Integers parsed from the bytes: optional spaces and sign, decimal digits; exact for BIGINT. */
function parseIntegers(run: CastRun, kind: NumKind, offsets: Int32Array, bytes: Uint8Array): arrow.Vector {
  const n = run.n;
  const type = toArrowType(run.to);
  const words = kind === 'i64';
  const out = words
    ? new Int32Array(2 * n)
    : kind === 'i32'
      ? new Int32Array(n)
      : kind === 'i16'
        ? new Int16Array(n)
        : new Int8Array(n);
  const [lo, hi] = intRange(kind);
  const read = utf8Reader(bytes);
  for (let i = 0; i < n; i++) {
    if (!run.isValid(i)) continue;
    let s = offsets[i]!;
    let e = offsets[i + 1]!;
    while (s < e && isSpace(bytes[s]!)) s++;
    while (e > s && isSpace(bytes[e - 1]!)) e--;
    let neg = false;
    if (s < e && (bytes[s] === 0x2d || bytes[s] === 0x2b)) {
      neg = bytes[s] === 0x2d;
      s++;
    }
    let v = 0;
    let p = s;
    while (p < e) {
      const d = bytes[p]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    if (p !== e || p === s) {
      run.bad(i, `'${read(offsets[i]!, offsets[i + 1]!)}' is not an integer`);
      continue;
    }
    if (neg) v = -v;
    if (words) {
      if (Number.isSafeInteger(v)) writeNumber(out as Int32Array, i, v);
      else {
        const big = BigInt(read(neg ? s - 1 : s, e));
        if (big < -(2n ** 63n) || big >= 2n ** 63n) run.bad(i, `${big} out of range`);
        else writeBigInt(out as Int32Array, i, big);
      }
    } else if (v < lo || v > hi) {
      run.bad(i, `${read(offsets[i]!, offsets[i + 1]!).trim()} out of range`);
    } else out[i] = v;
  }
  return fixedVector(type, out, n, run.validity());
}

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

const DATE_RE = /^\s*([+-]?\d{1,7})-(\d{1,2})-(\d{1,2})\s*$/;
const TIME_RE = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?\s*$/;
const TS_RE =
  /^\s*([+-]?\d{1,7})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

function civil(y: string, m: string, d: string): number | null {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

function parseDate(t: string): number | null {
  const m = DATE_RE.exec(t);
  if (!m) return null;
  const d = civil(m[1]!, m[2]!, m[3]!);
  return d !== null && d >= -2147483648 && d <= 2147483647 ? d : null;
}

/** Seconds of day from h, m, s (null when out of range). */
function clock(h?: string, m?: string, s?: string): number | null {
  const hh = Number(h ?? 0);
  const mm = Number(m ?? 0);
  const ss = Number(s ?? 0);
  if (hh > 23 || mm > 59 || ss > 59) return null;
  return hh * 3600 + mm * 60 + ss;
}

/** Fraction digits in units of `per` per second (extra digits dropped). */
function fraction(digits: string | undefined, per: number): number {
  if (!digits) return 0;
  const unitDigits = Math.round(Math.log10(per));
  const cut = digits.slice(0, unitDigits).padEnd(unitDigits, '0');
  return unitDigits === 0 ? 0 : Number(cut);
}

function parseTime(t: string, per: number, out: Float64Array): boolean {
  const m = TIME_RE.exec(t);
  if (!m) return false;
  const sod = clock(m[1], m[2], m[3]);
  if (sod === null) return false;
  out[0] = sod;
  out[1] = fraction(m[4], per);
  out[2] = 0;
  return true;
}

/**
 * Parses a timestamp into `out[0]` seconds, `out[1]` sub-second units and `out[2]` 1 when the text
 * names a zone (an instant, already moved to UTC), 0 when it does not (a wall-clock time).
 */
function parseTimestamp(t: string, per: number, out: Float64Array, zoned: boolean): boolean {
  const m = TS_RE.exec(t);
  if (!m) return false;
  const days = civil(m[1]!, m[2]!, m[3]!);
  const sod = clock(m[4], m[5], m[6]);
  if (days === null || sod === null) return false;
  const sub = fraction(m[7], per);
  out[0] = days * DAY + sod;
  out[1] = sub;
  out[2] = 0;
  const z = m[8];
  if (z === undefined) return true;
  if (!zoned) return false; // a zone on a wall-clock TIMESTAMP is ambiguous: refuse it
  out[0] -= z.toUpperCase() === 'Z' ? 0 : zoneSeconds(z);
  out[2] = 1;
  return true;
}

function zoneSeconds(z: string): number {
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60);
}
