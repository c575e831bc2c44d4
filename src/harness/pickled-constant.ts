/**
 * A constant as Flink sends it (tag byte + Pyrolite pickle of the SQL literal, see pickle.ts) →
 * the plan's constant form `{ constant: <JSON value>, type: '<SQL type>' }`. The SQL type is the
 * literal's own (INT / BIGINT by range, DOUBLE, DECIMAL(p, s) from its digits, STRING, BYTES,
 * BOOLEAN; DATE, TIME(3), TIMESTAMP(3) by tag); the executors then cast it to the type the UDF
 * declares for that argument, as Flink casts a literal.
 *
 * @example
 * pickledConstant(Uint8Array.of(0, 0x80, 0x02, 0x4b, 0x07, 0x2e)); // { constant: 7, type: 'INT' }
 */
import type { ArgSpec } from '../exec/plan.js';
import { type PickledValue, unpickle } from './pickle.js';

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/** `1.50`, `-3E-2`, … → plain digits and the DECIMAL(p, s) they need. */
function decimalType(text: string): { plain: string; type: string } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
  const sign = m[1] === '-' ? '-' : '';
  let int = m[2] ?? '';
  let frac = m[3] ?? '';
  const exp = Number(m[4] ?? 0);
  if (exp > 0) {
    const moved = frac.padEnd(exp, '0');
    int += moved.slice(0, exp);
    frac = moved.slice(exp);
  } else if (exp < 0) {
    const digits = int.padStart(-exp + 1, '0');
    frac = digits.slice(digits.length + exp) + frac;
    int = digits.slice(0, digits.length + exp);
  }
  int = int.replace(/^0+(?=\d)/, '') || '0';
  const scale = frac.length;
  const precision = Math.max(1, (int === '0' ? 0 : int.length) + scale, scale);
  if (precision > 38) throw new RangeError(`decimal constant ${text} needs more than 38 digits`);
  return { plain: `${sign}${int}${scale ? `.${frac}` : ''}`, type: `DECIMAL(${precision}, ${scale})` };
}

function asNumber(v: PickledValue, what: string): number {
  if (v.kind !== 'int') throw new TypeError(`a ${what} constant must be a pickled integer, got ${v.kind}`);
  return Number(v.value);
}

/** The plan argument of a pickled constant with Flink's tag. */
export function pickledConstant(bytes: Uint8Array): ArgSpec {
  const tag = bytes[0];
  const v = unpickle(bytes.subarray(1));
  if (v.kind === 'none') return { constant: null, type: 'NULL' };
  switch (tag) {
    case 1:
      return { constant: asNumber(v, 'DATE'), type: 'DATE' };
    case 2:
      return { constant: asNumber(v, 'TIME'), type: 'TIME(3)' };
    case 3:
      return { constant: asNumber(v, 'TIMESTAMP'), type: 'TIMESTAMP(3)' };
    case 0:
      break;
    default:
      throw new TypeError(`unknown constant tag ${tag}`);
  }
  switch (v.kind) {
    case 'bool':
      return { constant: v.value, type: 'BOOLEAN' };
    case 'int':
      return v.value >= INT32_MIN && v.value <= INT32_MAX
        ? { constant: Number(v.value), type: 'INT' }
        : { constant: v.value.toString(), type: 'BIGINT' };
    case 'float': {
      const x = v.value;
      const json = Number.isFinite(x) && !Object.is(x, -0) ? x : Object.is(x, -0) ? '-0' : String(x);
      return { constant: json, type: 'DOUBLE' };
    }
    case 'str':
      return { constant: v.value, type: 'STRING' };
    case 'bytes':
      return { constant: Buffer.from(v.value).toString('base64'), type: 'BYTES' };
    case 'decimal': {
      const d = decimalType(v.value);
      return { constant: d.plain, type: d.type };
    }
  }
}
