/**
 * Date and time parts (year, month, day, hour, minute, second) of DATE, TIME, TIMESTAMP and
 * TIMESTAMP_LTZ columns, computed arithmetically from the epoch values: no `Date` object per row.
 *
 * - DATE is days since 1970-01-01 (Int32); the civil date comes from the days-to-civil algorithm
 *   of the proleptic Gregorian calendar (400-year eras of 146097 days), exact for every Int32 day,
 *   before 1970 included.
 * - TIMESTAMP is a count of s / ms / µs / ns in Int64: it is split into whole seconds and a
 *   sub-second rest exactly on its 32-bit words (`floorDivWords`), then into days and seconds of day.
 * - TIMESTAMP_LTZ is an instant: its parts are those of the wall-clock time in a time zone — the
 *   one given, else the Arrow type's time zone, else `TABLE_LOCAL_TIME_ZONE` (which Flink sets for
 *   its Python workers), else UTC. Fixed offsets (`+08:00`) cost nothing; for a named zone the
 *   offset is asked of `Intl` once per distinct 15-minute span and cached (every zone transition
 *   since the 1970s falls on a quarter hour; older local-mean-time offsets may be off within the
 *   15 minutes around a transition).
 *
 * @example
 * civilFromDays(-1); // [1969, 12, 31]
 * daysFromCivil(2024, 2, 29); // 19782
 */
import * as arrow from 'apache-arrow';
import { copyValidity, wordsOf } from '../bitmap.js';
import { floorDivWords, toNumber } from './int64.js';
import { fixedVector, int64Words, vectorValidity, vectorValues } from './layout.js';

export type DatePart = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

const DAY = 86400;

/** Civil date of a day number: [year, month 1–12, day 1–31]. */
export function civilFromDays(days: number): [number, number, number] {
  return [civilPart(days, 0), civilPart(days, 1), civilPart(days, 2)];
}

/** One field of the civil date of a day number (0: year, 1: month, 2: day), without allocating. */
export function civilPart(days: number, field: 0 | 1 | 2): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // day of era, [0, 146096]
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // [0, 365], from March 1
  const mp = Math.floor((5 * doy + 2) / 153); // month from March, [0, 11]
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  if (field === 2) return d;
  if (field === 1) return m;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

/** Day number (days since 1970-01-01) of a civil date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days in a month of a year (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Units of a TimeUnit per second. */
export function unitsPerSecond(unit: arrow.TimeUnit): number {
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return 1;
    case arrow.TimeUnit.MILLISECOND:
      return 1000;
    case arrow.TimeUnit.MICROSECOND:
      return 1_000_000;
    default:
      return 1_000_000_000;
  }
}

/** Offset of a time zone in seconds east of UTC, as a function of the UTC instant in seconds. */
export type ZoneOffset = (utcSeconds: number) => number;

const FIXED = /^(?:UTC|GMT|Z)?\s*([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/i;

/**
 * The offset function of a time zone: `UTC`, `Z`, a fixed offset (`+08:00`, `-0530`, `GMT+8`), or
 * an IANA name (`Europe/Berlin`). Throws a RangeError for an unknown zone.
 */
export function zoneOffset(timeZone: string): ZoneOffset {
  const tz = timeZone.trim();
  if (/^(UTC|GMT|Z|Etc\/UTC|Etc\/GMT)$/i.test(tz)) return () => 0;
  const m = FIXED.exec(tz);
  if (m) {
    const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    if (secs > 18 * 3600) throw new RangeError(`time zone offset out of range: ${timeZone}`);
    const off = m[1] === '-' ? -secs : secs;
    return () => off;
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`unknown time zone: ${timeZone}`);
  }
  const cache = new Map<number, number>();
  const LIMIT = 8.64e12; // seconds that Date can represent
  return (utc) => {
    const bucket = Math.floor(utc / 900);
    let off = cache.get(bucket);
    if (off === undefined) {
      const at = Math.min(LIMIT, Math.max(-LIMIT, bucket * 900));
      off = offsetAt(fmt, at);
      cache.set(bucket, off);
    }
    return off;
  };
}

function offsetAt(fmt: Intl.DateTimeFormat, utcSeconds: number): number {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const p of fmt.formatToParts(new Date(utcSeconds * 1000))) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value);
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      case 'era':
        bc = p.value.startsWith('B');
        break;
    }
  }
  if (bc) year = 1 - year;
  const local = daysFromCivil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
  return local - utcSeconds;
}

/** The zone a TIMESTAMP_LTZ column's parts are taken in (see the module comment). */
export function defaultZone(type: arrow.DataType, given?: string): string {
  if (given) return given;
  const tz = (type as arrow.Timestamp).timezone;
  if (tz) return tz;
  return process.env['TABLE_LOCAL_TIME_ZONE'] || 'UTC';
}

function part(days: number, sod: number, p: DatePart): number {
  switch (p) {
    case 'year':
      return civilPart(days, 0);
    case 'month':
      return civilPart(days, 1);
    case 'day':
      return civilPart(days, 2);
    case 'hour':
      return Math.floor(sod / 3600);
    case 'minute':
      return Math.floor(sod / 60) % 60;
    case 'second':
      return sod % 60;
  }
}

/**
 * A part of every row of a DATE / TIME / TIMESTAMP vector, as INT. `zone` is the time zone for
 * an instant (TIMESTAMP_LTZ), null for wall-clock values (TIMESTAMP, DATE, TIME).
 */
export function datePart(vector: arrow.Vector, p: DatePart, zone: string | null): arrow.Vector {
  const n = vector.length;
  const out = new Int32Array(n);
  const type = vector.type;
  const v = vectorValidity(vector);
  const validity = v ? copyValidity(v, n) : { bitmap: null, nullCount: 0 };
  const values = vectorValues(vector);
  if (type.typeId === arrow.Type.Date) {
    if ((type as arrow.Date_).unit !== arrow.DateUnit.DAY)
      throw new TypeError(`${type} is not a DATE (Date32<DAY>)`);
    if (p === 'hour' || p === 'minute' || p === 'second')
      throw new TypeError(`a DATE has no ${p}; cast to TIMESTAMP first`);
    const days = values as Int32Array;
    for (let i = 0; i < n; i++) out[i] = part(days[i]!, 0, p);
  } else if (type.typeId === arrow.Type.Time) {
    if (p === 'year' || p === 'month' || p === 'day') throw new TypeError(`a TIME has no ${p}`);
    const per = unitsPerSecond((type as arrow.Time).unit);
    if (values instanceof Int32Array) {
      for (let i = 0; i < n; i++) out[i] = part(0, Math.floor(values[i]! / per), p);
    } else {
      const w = int64Words(values);
      for (let i = 0; i < n; i++) out[i] = part(0, Math.floor(toNumber(w, i) / per), p);
    }
  } else if (type.typeId === arrow.Type.Timestamp) {
    const per = unitsPerSecond((type as arrow.Timestamp).unit);
    const w = int64Words(values);
    const rem = new Float64Array(1);
    const offset = zone === null ? null : zoneOffset(zone);
    const valid = v ? wordsOf(v.bits, v.offset, n) : null;
    for (let i = 0; i < n; i++) {
      let secs = per === 1 ? toNumber(w, i) : floorDivWords(w, i, per, rem);
      if (offset !== null) {
        // Null rows may hold anything; do not ask the zone about them.
        if (valid !== null && ((valid[i >>> 5]! >>> (i & 31)) & 1) === 0) continue;
        secs += offset(secs);
      }
      const days = Math.floor(secs / DAY);
      out[i] = part(days, secs - days * DAY, p);
    }
  } else {
    throw new TypeError(`date parts need DATE, TIME or TIMESTAMP, got ${type}`);
  }
  return fixedVector(new arrow.Int32(), out, n, validity);
}
