/**
 * The value a nested call's result becomes once a column of its declared type holds it: what the
 * vectorized executor passes on after building the nested result column. The row-wise executors
 * pass on the same, so both modes give identical results (a FLOAT result is rounded to float32, a
 * DECIMAL(5, 2) result `"1.5"` becomes `"1.50"`, a TIMESTAMP(0) result loses its milliseconds, a
 * BIGINT given as a number becomes a bigint). A value that does not fit throws, as the builder does.
 *
 * The common cases (a number that already is what the column would give back, a string, a
 * boolean) cost one type test; everything else goes through a one-row column and back, which
 * is exactly the vectorized path's semantics.
 */
import { makeGetter } from '../series/accessors.js';
import { createColumnBuilder } from '../series/column-builder.js';
import { type DataType, typeToString } from '../types/data-types.js';

export type Canonical = (v: unknown) => unknown;

const INT_RANGE: Record<string, readonly [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  DATE: [-2147483648, 2147483647],
};

/** A function giving the canonical JS value of `t` (null and undefined give null). */
export function canonicalizer(t: DataType): Canonical {
  const slow: Canonical = (v) => {
    const b = createColumnBuilder(t, 1);
    b.append(v);
    return makeGetter(b.finishData(), t)(0);
  };
  let fast: Canonical;
  switch (t.kind) {
    case 'DOUBLE':
      fast = (v) => (typeof v === 'number' ? v : slow(v));
      break;
    case 'FLOAT':
      fast = (v) => {
        if (typeof v === 'number') {
          const f = Math.fround(v);
          if (Number.isFinite(f) || !Number.isFinite(v)) return f;
        }
        return slow(v);
      };
      break;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'DATE': {
      const [min, max] = INT_RANGE[t.kind]!;
      fast = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : slow(v));
      break;
    }
    case 'BIGINT':
      fast = (v) =>
        typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n
          ? v
          : typeof v === 'number' && Number.isSafeInteger(v)
            ? BigInt(v)
            : slow(v);
      break;
    case 'BOOLEAN':
      fast = (v) => (typeof v === 'boolean' ? v : slow(v));
      break;
    case 'CHAR':
    case 'VARCHAR':
      fast = (v) => (typeof v === 'string' ? v : slow(v));
      break;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      fast =
        t.precision === 3 ? (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : slow(v)) : slow;
      break;
    default:
      fast = slow;
  }
  return (v) => (v === null || v === undefined ? nullOf(t) : fast(v));
}

function nullOf(t: DataType): null {
  if (!t.nullable) throw new TypeError(`null where ${typeToString(t)} expected`);
  return null;
}
