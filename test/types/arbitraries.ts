/**
 * fast-check arbitraries for DataTypes and for JS values of a DataType (as contracts.md defines
 * them). Shared by the types, accessor, column-builder and codec tests.
 */
import fc from 'fast-check';
import { type DataType, MAX_LENGTH, DataTypes as T } from '../../src/types/data-types.js';

const nullable = fc.boolean();

const fieldName = fc.oneof(
  fc.constantFrom('a', 'b', 'id', 'x_1', 'NOT', 'INT', 'row'),
  fc.string({ minLength: 0, maxLength: 6 }),
);

/** A scalar (non-nested) DataType, NULL excluded unless asked for. */
export function scalarType(opts: { withNull?: boolean } = {}): fc.Arbitrary<DataType> {
  const arbs: fc.Arbitrary<DataType>[] = [
    fc
      .constantFrom('TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'BOOLEAN', 'DATE')
      .chain((k) => nullable.map((n) => T[k as 'INT'](n))),
    fc
      .integer({ min: 1, max: 38 })
      .chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p }), nullable))
      .map(([p, s, n]) => T.DECIMAL(p, s, n)),
    fc
      .tuple(fc.constantFrom('CHAR', 'BINARY'), fc.integer({ min: 1, max: 40 }), nullable)
      .map(([k, len, n]) => T[k as 'CHAR'](len, n)),
    fc
      .tuple(
        fc.constantFrom('VARCHAR', 'VARBINARY'),
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(MAX_LENGTH)),
        nullable,
      )
      .map(([k, len, n]) => T[k as 'VARCHAR'](len, n)),
    nullable.map((n) => T.STRING(n)),
    nullable.map((n) => T.BYTES(n)),
    fc
      .tuple(fc.constantFrom('TIME', 'TIMESTAMP', 'TIMESTAMP_LTZ'), fc.integer({ min: 0, max: 9 }), nullable)
      .map(([k, p, n]) => T[k as 'TIME'](p, n)),
  ];
  if (opts.withNull) arbs.push(fc.constant(T.NULL()));
  return fc.oneof(...arbs);
}

/** Any DataType, nested up to `depth` levels. */
export function dataType(depth = 2, opts: { withNull?: boolean } = {}): fc.Arbitrary<DataType> {
  if (depth <= 0) return scalarType(opts);
  const inner = dataType(depth - 1, opts);
  return fc.oneof(
    { weight: 3, arbitrary: scalarType(opts) },
    { weight: 1, arbitrary: fc.tuple(inner, nullable).map(([e, n]) => T.ARRAY(e, n)) },
    {
      weight: 1,
      arbitrary: fc.tuple(scalarType(), inner, nullable).map(([k, v, n]) => T.MAP(k, v, n)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.uniqueArray(fieldName, { minLength: 0, maxLength: 4 }), nullable)
        .chain(([names, n]) =>
          fc.tuple(...names.map(() => inner)).map((types) =>
            T.ROW(
              names.map((name, i) => T.FIELD(name, types[i]!)),
              n,
            ),
          ),
        ),
    },
  );
}

const pow10 = (k: number) => 10n ** BigInt(k);

function decimalString(precision: number, scale: number): fc.Arbitrary<string> {
  const max = pow10(precision) - 1n;
  return fc.bigInt({ min: -max, max }).map((v) => {
    const neg = v < 0n;
    const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
    const int = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale);
    return (neg ? '-' : '') + int + (scale > 0 ? `.${frac}` : '');
  });
}

/**
 * A time / timestamp in ms as the getter computes it: an integer count of the precision's unit
 * (s, ms, µs or ns) divided once into ms, so the value is exactly what a column can hold.
 */
function fractionalMs(minMs: number, maxMs: number, precision: number): fc.Arbitrary<number> {
  if (precision === 0) {
    return fc.integer({ min: Math.ceil(minMs / 1000), max: Math.floor(maxMs / 1000) }).map((s) => s * 1000);
  }
  const perMs = precision <= 3 ? 1 : precision <= 6 ? 1000 : 1_000_000;
  return fc.integer({ min: minMs * perMs, max: maxMs * perMs }).map((u) => u / perMs);
}

/** A non-null JS value of the type, in the canonical form that `makeGetter` returns. */
export function jsValue(t: DataType): fc.Arbitrary<unknown> {
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
      return fc.float({ noDefaultInfinity: false }).map((f) => Math.fround(f));
    case 'DOUBLE':
      return fc.double();
    case 'BOOLEAN':
      return fc.boolean();
    case 'DATE':
      return fc.integer({ min: -1_000_000, max: 1_000_000 });
    case 'NULL':
      return fc.constant(null);
    case 'DECIMAL':
      return decimalString(t.precision, t.scale);
    case 'CHAR':
    case 'VARCHAR':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'BINARY':
      return fc.uint8Array({ minLength: t.length, maxLength: t.length });
    case 'VARBINARY':
      return fc.uint8Array({ maxLength: 12 });
    case 'TIME':
      return fractionalMs(0, 86_399_999, t.precision);
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      // ns need more digits than a double has at today's epoch: whole ms keep them exact
      return t.precision > 6
        ? fc.integer({ min: -9e12, max: 9e12 })
        : fractionalMs(t.precision > 3 ? -9e9 : -9e12, t.precision > 3 ? 9e9 : 9e12, t.precision);
    case 'ARRAY':
      return fc.array(valueOrNull(t.element), { maxLength: 4 });
    case 'MAP':
      return fc
        .uniqueArray(fc.tuple(jsValue(t.key), valueOrNull(t.value)), {
          maxLength: 3,
          selector: ([k]) => keyOf(k),
        })
        .map((entries) => new Map(entries));
    case 'ROW':
      return fc.tuple(...t.fields.map((f) => valueOrNull(f.type))).map((vals) => {
        const o: Record<string, unknown> = {};
        t.fields.forEach((f, i) => {
          o[f.name] = vals[i];
        });
        return o;
      });
  }
}

function keyOf(k: unknown): string {
  if (k instanceof Uint8Array) return `b:${Array.from(k).join(',')}`;
  if (typeof k === 'number' && Object.is(k, -0)) return 'n:-0';
  return `${typeof k}:${String(k)}`;
}

/** A value of the type, or null when the type is nullable. */
export function valueOrNull(t: DataType): fc.Arbitrary<unknown> {
  return t.nullable ? fc.option(jsValue(t), { nil: null, freq: 4 }) : jsValue(t);
}

/** A DataType together with a column of its values (nulls only where allowed). */
export function typedColumn(depth = 2, maxLength = 40): fc.Arbitrary<{ type: DataType; values: unknown[] }> {
  return dataType(depth).chain((type) =>
    fc.array(valueOrNull(type), { maxLength }).map((values) => ({ type, values })),
  );
}
