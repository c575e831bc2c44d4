/**
 * DECIMAL(p, s) as text, the way Flink's row coder carries it: a UTF-8 decimal string (Java writes
 * `BigDecimal.toString()`, which may use an exponent such as `1E-7`; Python writes
 * `str(Decimal)`, which may too, e.g. `0E-10`). We read either form (through the shared
 * `parseDecimal`, which rounds half up as Flink's `DecimalData.fromBigDecimal` does) and always
 * produce the plain form with exactly `s` fraction digits (`"12.30"`), the JS value of DECIMAL.
 *
 * @example
 * decimalToPlain('1E-7', 10, 8) // '0.00000010'
 * decimalToPlain(12.3, 5, 2)    // '12.30'
 */
import { parseDecimal } from '../types/decimal.js';

/** Plain decimal text with exactly `scale` fraction digits; throws a DecimalError when the value does not fit. */
export function decimalToPlain(value: unknown, precision: number, scale: number): string {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
    throw new TypeError(
      `expected a decimal string, number or bigint, got ${value === null ? 'null' : typeof value}`,
    );
  }
  return formatUnscaled(parseDecimal(value, precision, scale), scale);
}

/** `-1230n, 2` → `'-12.30'`. */
export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  const padded = digits.length <= scale ? digits.padStart(scale + 1, '0') : digits;
  const cut = padded.length - scale;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}
