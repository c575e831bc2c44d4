/**
 * Values from the bytes of one CSV field, without a JS string on the common paths: integers digit
 * by digit, short decimals as mantissa / 10^k (exact), dates and times by their fixed layout.
 * Every parser returns `undefined` when the bytes are not a value of its kind (the caller turns
 * that into a line error); none of them throws.
 *
 * Accepted text:
 * - integers: `[+-]digits`; doubles: also a fraction and an exponent, `NaN`, `Infinity`, `-Infinity`;
 * - booleans: `true` / `false`, any case;
 * - DATE: `[-]YYYY-MM-DD` (the year may have more than 4 digits);
 * - TIME: `HH:MM[:SS[.fraction]]`;
 * - TIMESTAMP: a DATE, then `T` or a space, then a TIME, then optionally `Z` or `±HH[:MM]`
 *   (the value is then moved to UTC); or epoch milliseconds `[-]digits`.
 *
 * @example
 * const b = new TextEncoder().encode('2024-06-01 00:00:00.020');
 * parseTimestamp(b, 0, b.length, 3); // 1717200000020 (ms)
 */

const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const COLON = 58;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const latin1 = new TextDecoder('latin1');

/** The field's bytes as a string (only for the cold paths: long numbers, decimals, base64). */
export function fieldText(b: Uint8Array, s: number, e: number): string {
  return latin1.decode(b.subarray(s, e));
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** `[+-]digits` as a number when it has at most 15 digits, else `undefined`. */
export function parseSmallInt(b: Uint8Array, s: number, e: number): number | undefined {
  let p = s;
  let neg = false;
  if (p < e && (b[p] === MINUS || b[p] === PLUS)) neg = b[p++] === MINUS;
  if (p === e || e - p > 15) return undefined;
  let v = 0;
  for (; p < e; p++) {
    const d = b[p]! - ZERO;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A BIGINT: a number when it is a safe integer, a bigint beyond that; `undefined` when out of range or not an integer. */
export function parseInt64(b: Uint8Array, s: number, e: number): number | bigint | undefined {
  const v = parseSmallInt(b, s, e);
  if (v !== undefined) return v;
  const text = fieldText(b, s, e);
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A double: `[+-]digits[.digits][e±digits]`, `NaN`, `Infinity`, `-Infinity`. */
export function parseDouble(b: Uint8Array, s: number, e: number): number | undefined {
  // Fast path: up to 15 significant digits and a short fraction are exact as mantissa / 10^k.
  let p = s;
  let neg = false;
  if (p < e && (b[p] === MINUS || b[p] === PLUS)) neg = b[p++] === MINUS;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; p < e; p++) {
    const c = b[p]!;
    if (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === DOT && frac < 0) {
      frac = 0;
    } else {
      break;
    }
  }
  if (p === e && digits > 0 && digits <= 15) {
    const v = frac > 0 ? m / POW10[frac]! : m;
    return neg ? -v : v;
  }
  const text = fieldText(b, s, e);
  if (FLOAT_RE.test(text)) return Number(text);
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity' || text === '+Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** `true` / `false` in any case. */
export function parseBool(b: Uint8Array, s: number, e: number): boolean | undefined {
  const n = e - s;
  if (n === 4) {
    if (
      (b[s]! | 32) === 116 &&
      (b[s + 1]! | 32) === 114 &&
      (b[s + 2]! | 32) === 117 &&
      (b[s + 3]! | 32) === 101
    )
      return true;
  } else if (n === 5) {
    if (
      (b[s]! | 32) === 102 &&
      (b[s + 1]! | 32) === 97 &&
      (b[s + 2]! | 32) === 108 &&
      (b[s + 3]! | 32) === 115 &&
      (b[s + 4]! | 32) === 101
    )
      return false;
  }
  return undefined;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the inverse of the CSV sink's civilFromDays). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function two(b: Uint8Array, p: number): number {
  const a = b[p]! - ZERO;
  const c = b[p + 1]! - ZERO;
  if (a < 0 || a > 9 || c < 0 || c > 9) return -1;
  return a * 10 + c;
}

/** Where a parsed date ends and its day number; `p` < 0 when the bytes are not a date. */
interface DatePart {
  days: number;
  p: number;
}
const datePart: DatePart = { days: 0, p: -1 };

/** Parses `[-]YYYY-MM-DD` at s into `datePart` (no allocation). */
function scanDate(b: Uint8Array, s: number, e: number): void {
  datePart.p = -1;
  let p = s;
  const neg = p < e && b[p] === MINUS;
  if (neg) p++;
  let y = 0;
  const y0 = p;
  while (p < e && isDigit(b[p]!) && p - y0 < 9) y = y * 10 + (b[p++]! - ZERO);
  if (p - y0 < 4 || p + 6 > e || b[p] !== MINUS || b[p + 3] !== MINUS) return;
  const m = two(b, p + 1);
  const d = two(b, p + 4);
  if (neg) y = -y;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return;
  datePart.days = daysFromCivil(y, m, d);
  datePart.p = p + 6;
}

/** DATE: days since the epoch. */
export function parseDate(b: Uint8Array, s: number, e: number): number | undefined {
  scanDate(b, s, e);
  return datePart.p === e ? datePart.days : undefined;
}

interface ClockPart {
  /** Seconds of the day. */
  secs: number;
  /** Fraction digits scaled to `digits` (truncated). */
  frac: number;
  /** Fraction digits present in the text. */
  fracDigits: number;
  p: number;
}
const clock: ClockPart = { secs: 0, frac: 0, fracDigits: 0, p: -1 };

/** Parses `HH:MM[:SS[.f…]]` at s into `clock`, the fraction kept to `digits` digits. */
function scanClock(b: Uint8Array, s: number, e: number, digits: number): void {
  clock.p = -1;
  if (s + 5 > e || b[s + 2] !== COLON) return;
  const h = two(b, s);
  const mi = two(b, s + 3);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return;
  let p = s + 5;
  let sec = 0;
  let frac = 0;
  let fd = 0;
  if (p < e && b[p] === COLON) {
    if (p + 3 > e) return;
    sec = two(b, p + 1);
    if (sec < 0 || sec > 59) return;
    p += 3;
    if (p < e && b[p] === DOT) {
      p++;
      const f0 = p;
      while (p < e && isDigit(b[p]!)) {
        if (fd < digits) {
          frac = frac * 10 + (b[p]! - ZERO);
          fd++;
        }
        p++;
      }
      if (p === f0) return;
      clock.fracDigits = p - f0;
    } else {
      clock.fracDigits = 0;
    }
  } else {
    clock.fracDigits = 0;
  }
  clock.secs = h * 3600 + mi * 60 + sec;
  clock.frac = frac * POW10[digits - fd]!;
  clock.p = p;
}

/** TIME with `digits` fraction digits (0, 3, 6, 9): units of the day; `undefined` if malformed. */
export function parseTime(b: Uint8Array, s: number, e: number, digits: number): number | undefined {
  scanClock(b, s, e, digits);
  if (clock.p !== e) return undefined;
  return clock.secs * POW10[digits]! + clock.frac;
}

/**
 * TIMESTAMP with `digits` fraction digits (0, 3, 6, 9): units since the epoch, a number when safe
 * and a bigint beyond; `undefined` if malformed. Epoch milliseconds are accepted too.
 */
export function parseTimestamp(
  b: Uint8Array,
  s: number,
  e: number,
  digits: number,
): number | bigint | undefined {
  // epoch milliseconds: only digits after an optional sign
  let p = s;
  if (p < e && b[p] === MINUS) p++;
  let allDigits = p < e;
  for (let q = p; q < e; q++) {
    if (!isDigit(b[q]!)) {
      allDigits = false;
      break;
    }
  }
  if (allDigits) {
    const ms = parseInt64(b, s, e);
    if (ms === undefined) return undefined;
    return msToUnits(ms, digits);
  }
  scanDate(b, s, e);
  if (datePart.p < 0 || datePart.p === e) return undefined;
  const days = datePart.days;
  p = datePart.p;
  if (b[p] !== 84 && b[p] !== 116 && b[p] !== 32) return undefined; // T, t or space
  scanClock(b, p + 1, e, digits);
  if (clock.p < 0) return undefined;
  p = clock.p;
  let offsetSecs = 0;
  if (p < e) {
    const c = b[p]!;
    if ((c === 90 || c === 122) && p + 1 === e) {
      // Z: already UTC
    } else if (c === PLUS || c === MINUS) {
      const hh = two(b, p + 1);
      let mm = 0;
      let q = p + 3;
      if (q < e && b[q] === COLON) q++;
      if (q < e) {
        mm = two(b, q);
        q += 2;
      }
      if (hh < 0 || hh > 18 || mm < 0 || mm > 59 || q !== e) return undefined;
      offsetSecs = (hh * 3600 + mm * 60) * (c === PLUS ? 1 : -1);
    } else {
      return undefined;
    }
  }
  const secs = days * 86_400 + clock.secs - offsetSecs;
  const per = POW10[digits]!;
  const units = secs * per + clock.frac;
  if (Number.isSafeInteger(units)) return units;
  const big = BigInt(secs) * BigInt(per) + BigInt(clock.frac);
  return big < INT64_MIN || big > INT64_MAX ? undefined : big;
}

function msToUnits(ms: number | bigint, digits: number): number | bigint | undefined {
  if (digits === 3) return ms;
  if (digits === 0) {
    if (typeof ms === 'number') return Math.floor(ms / 1000);
    const q = ms / 1000n;
    return ms < 0n && q * 1000n !== ms ? q - 1n : q;
  }
  const per = POW10[digits - 3]!;
  if (typeof ms === 'number' && Number.isSafeInteger(ms * per)) return ms * per;
  const big = BigInt(ms) * BigInt(per);
  return big < INT64_MIN || big > INT64_MAX ? undefined : big;
}

/** Fraction digits a TIME / TIMESTAMP precision is stored with (its Arrow unit). */
export function unitDigits(precision: number): number {
  return precision === 0 ? 0 : precision <= 3 ? 3 : precision <= 6 ? 6 : 9;
}

/** How many fraction digits the last timestamp or time parsed had (for type inference). */
export function lastFractionDigits(): number {
  return clock.fracDigits;
}
