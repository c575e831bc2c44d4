/**
 * DECIMAL(p, s) values: 128-bit two's complement unscaled integers (Arrow's Decimal128, four
 * little-endian 32-bit words) ↔ the plain decimal strings that are their JS value (contracts.md).
 * Values that fit in 53 bits take a number path; only wider ones go through BigInt.
 *
 * @example
 * const words = new Uint32Array(4);
 * writeDecimal128(words, 0, parseDecimal('-12.3', 5, 2)); // unscaled -1230
 * decimalToString(words, 0, 2); // '-12.30'
 */

const TWO_32 = 4294967296;
const MAX_FAST_HI = 1 << 21; // |value| < 2^53 when the high word of the low 64 bits is within ±2^21

/** Formats an unscaled integer's decimal digits (no sign) with `scale` digits after the point. */
function placePoint(negative: boolean, digits: string, scale: number): string {
  if (scale === 0) return negative ? `-${digits}` : digits;
  if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
  const cut = digits.length - scale;
  return `${negative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/**
 * The decimal string of the 128-bit value at `words[base..base+3]` (little-endian words), with
 * exactly `scale` digits after the point.
 */
export function decimalToString(words: Uint32Array, base: number, scale: number): string {
  const w0 = words[base]!;
  const w1 = words[base + 1]!;
  const w2 = words[base + 2]!;
  const w3 = words[base + 3]!;
  const hi = w1 | 0;
  if (w2 === 0 && w3 === 0 && hi >= 0 && hi < MAX_FAST_HI) {
    return placePoint(false, String(hi * TWO_32 + w0), scale);
  }
  if (w2 === 0xffffffff && w3 === 0xffffffff && hi < 0 && hi >= -MAX_FAST_HI) {
    const n = hi * TWO_32 + w0; // exact: |n| <= 2^53
    return placePoint(true, String(-n), scale);
  }
  const v = decimalToBigInt(words, base);
  return v < 0n ? placePoint(true, (-v).toString(), scale) : placePoint(false, v.toString(), scale);
}

/** The 128-bit value at `words[base..base+3]` as a signed bigint (unscaled). */
export function decimalToBigInt(words: Uint32Array, base: number): bigint {
  const u =
    (BigInt(words[base + 3]!) << 96n) |
    (BigInt(words[base + 2]!) << 64n) |
    (BigInt(words[base + 1]!) << 32n) |
    BigInt(words[base]!);
  return BigInt.asIntN(128, u);
}

/** Writes a signed unscaled value as 128-bit two's complement into `words[base..base+3]`. */
export function writeDecimal128(words: Uint32Array, base: number, unscaled: bigint): void {
  const u = BigInt.asUintN(128, unscaled);
  words[base] = Number(u & 0xffffffffn);
  words[base + 1] = Number((u >> 32n) & 0xffffffffn);
  words[base + 2] = Number((u >> 64n) & 0xffffffffn);
  words[base + 3] = Number(u >> 96n);
}

/** Writes a safe-integer unscaled value without BigInt. */
export function writeDecimal128Small(words: Uint32Array, base: number, unscaled: number): void {
  const lo = unscaled % TWO_32;
  const loU = lo < 0 ? lo + TWO_32 : lo;
  const hi = Math.floor(unscaled / TWO_32);
  words[base] = loU;
  words[base + 1] = hi >>> 0;
  const ext = unscaled < 0 ? 0xffffffff : 0;
  words[base + 2] = ext;
  words[base + 3] = ext;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal value that does not fit DECIMAL(p, s), or is not a decimal at all. */
export class DecimalError extends RangeError {
  override readonly name = 'DecimalError';
}

const POW10: bigint[] = Array.from({ length: 80 }, (_, i) => 10n ** BigInt(i));

/**
 * The unscaled value of a decimal in DECIMAL(precision, scale): parses plain or exponent notation,
 * rounds extra fraction digits half-up (as Flink's `DecimalData.fromBigDecimal`), and throws a
 * {@link DecimalError} when the value needs more than `precision` digits.
 */
export function parseDecimal(value: string | number | bigint, precision: number, scale: number): bigint {
  const type = `DECIMAL(${precision}, ${scale})`;
  let unscaled: bigint;
  if (typeof value === 'bigint') {
    unscaled = value * POW10[scale]!;
  } else {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new DecimalError(`${value} where ${type} expected`);
    }
    // a number's shortest round-trip spelling is the decimal the author wrote
    const text = typeof value === 'number' ? String(value) : value.trim();
    const m = DECIMAL_RE.exec(text);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      throw new DecimalError(`expected ${type}, got string '${value}'`);
    }
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) {
      throw new DecimalError(`value ${text} out of range for ${type}`);
    }
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? '';
    // digits × 10^(exp - fracDigits.length) is the value; shift so that `scale` fraction digits remain
    const all = (intDigits + fracDigits).replace(/^0+/, '') || '0';
    const shift = exp - fracDigits.length + scale; // multiply `all` by 10^shift
    if (shift >= 0) {
      if (all !== '0' && all.length + shift > precision) {
        throw new DecimalError(`value ${text} out of range for ${type}`);
      }
      unscaled = BigInt(all) * POW10[shift]!;
    } else {
      const cut = all.length + shift; // digits kept
      if (cut < 0) {
        unscaled = 0n;
      } else {
        const kept = cut === 0 ? 0n : BigInt(all.slice(0, cut));
        const roundUp = all.charCodeAt(cut) >= 53; // next digit >= '5': half-up
        unscaled = roundUp ? kept + 1n : kept;
      }
    }
    if (m[1] === '-') unscaled = -unscaled;
  }
  const limit = POW10[precision]!;
  if (unscaled >= limit || unscaled <= -limit) {
    throw new DecimalError(`value ${String(value)} out of range for ${type}`);
  }
  return unscaled;
}
