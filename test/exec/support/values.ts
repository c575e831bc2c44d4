/**
 * fast-check arbitraries of JS values per DataType (the values of docs/dev/contracts.md), and of
 * DataTypes themselves. Shared by the executor and row-coder tests.
 */
import fc from 'fast-check';
import { type DataType, DataTypes as T } from '../../../src/types/data-types.js';

export function nullable<V>(arb: fc.Arbitrary<V>, freq = 5): fc.Arbitrary<V | null> {
  return fc.option(arb, { nil: null, freq });
}

function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const body =
    scale > 0 ? `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}` : digits;
  return neg && unscaled !== 0n ? `-${body}` : body;
}

/**
 * One code point: mostly ASCII, else any code point outside the surrogates (1- to 4-byte UTF-8).
 * Cheaper to set up than fast-check's 'binary' unit, same coverage of the UTF-8 lengths.
 */
const CHAR_UNIT: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x7f }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0x80, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff),
    },
  )
  .map((c) => String.fromCodePoint(c));

export interface ValueOptions {
  /** TIME and TIMESTAMP values with whole milliseconds only (what the row format keeps of TIME). */
  wholeMillisTime?: boolean;
}

/** Non-null values of type `t`. */
export function arbValue(t: DataType, opts: ValueOptions = {}): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'TINYINT':
      return fc.integer({ min: -128, max: 127 });
    case 'SMALLINT':
      return fc.integer({ min: -32768, max: 32767 });
    case 'INT':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'BIGINT':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'FLOAT':
      return fc.float();
    case 'DOUBLE':
      return fc.double();
    case 'DECIMAL': {
      const max = 10n ** BigInt(t.precision) - 1n;
      return fc.bigInt({ min: -max, max }).map((u) => decimalText(u, t.scale));
    }
    case 'BOOLEAN':
      return fc.boolean();
    case 'CHAR':
    case 'VARCHAR':
      return fc.string({ unit: CHAR_UNIT, maxLength: 12 });
    case 'BINARY':
      return fc.uint8Array({ minLength: t.length, maxLength: t.length });
    case 'VARBINARY':
      return fc.uint8Array({ maxLength: 12 });
    case 'DATE':
      return fc.integer({ min: -100000, max: 100000 });
    case 'TIME':
      return fc.integer({ min: 0, max: 86399999 });
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      // Arrow holds TIMESTAMP(7-9) as int64 nanoseconds: ±9.2e12 ms
      const wholeRange = t.precision > 6 ? 9e12 : 1e13;
      if (t.precision <= 3 || opts.wholeMillisTime) return fc.integer({ min: -wholeRange, max: wholeRange });
      const unit = 10 ** (9 - t.precision);
      // Keep |ms| small enough for a double to hold every nano digit of the precision.
      const msRange = t.precision <= 6 ? 1e13 : 1e6;
      return fc
        .tuple(fc.integer({ min: -msRange, max: msRange }), fc.integer({ min: 0, max: 1e6 / unit - 1 }))
        .map(([ms, k]) => ms + (k * unit) / 1e6);
    }
    case 'ARRAY':
      return fc.array(nullable(arbValue(t.element, opts)), { maxLength: 4 });
    case 'MAP':
      return fc
        .array(fc.tuple(arbValue(t.key, opts), nullable(arbValue(t.value, opts))), { maxLength: 4 })
        .map((entries) => new Map(entries));
    case 'ROW': {
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of t.fields) rec[f.name] = nullable(arbValue(f.type, opts));
      return fc.record(rec);
    }
    case 'NULL':
      return fc.constant(null);
  }
}

/** Every scalar type once, plus nested ones: the row coder's coverage list. */
export const ALL_TYPES: readonly DataType[] = [
  T.TINYINT(),
  T.SMALLINT(),
  T.INT(),
  T.BIGINT(),
  T.FLOAT(),
  T.DOUBLE(),
  T.DECIMAL(10, 2),
  T.DECIMAL(38, 18),
  T.DECIMAL(5, 0),
  T.BOOLEAN(),
  T.CHAR(3),
  T.VARCHAR(10),
  T.STRING(),
  T.BINARY(4),
  T.VARBINARY(8),
  T.BYTES(),
  T.DATE(),
  T.TIME(0),
  T.TIME(3),
  T.TIMESTAMP(0),
  T.TIMESTAMP(3),
  T.TIMESTAMP(6),
  T.TIMESTAMP(9),
  T.TIMESTAMP_LTZ(3),
  T.TIMESTAMP_LTZ(6),
  T.ARRAY(T.INT()),
  T.ARRAY(T.STRING()),
  T.ARRAY(T.ARRAY(T.BIGINT())),
  T.MAP(T.STRING(), T.DOUBLE()),
  T.MAP(T.INT(), T.ARRAY(T.STRING())),
  T.ROW([T.FIELD('x', T.INT()), T.FIELD('s', T.STRING()), T.FIELD('d', T.DECIMAL(6, 3))]),
  T.ROW([T.FIELD('inner', T.ROW([T.FIELD('b', T.BOOLEAN()), T.FIELD('t', T.TIMESTAMP(3))]))]),
];
