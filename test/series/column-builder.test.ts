import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeGetter } from '../../src/series/accessors.js';
import { columnFromTypedArray, createColumnBuilder } from '../../src/series/column-builder.js';
import { toArrowType } from '../../src/types/arrow-mapping.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { typedColumn } from '../types/arbitraries.js';

function column(type: DataType, values: unknown[]): unknown[] {
  const b = createColumnBuilder(type, 2);
  for (const v of values) b.append(v);
  expect(b.length).toBe(values.length);
  const vec = b.finish();
  const get = makeGetter(vec.data[0]!, type);
  return values.map((_, i) => get(i));
}

describe('createColumnBuilder', () => {
  it('builds the Arrow type of the DataType with the right nulls (fast-check)', () => {
    fc.assert(
      fc.property(typedColumn(2), ({ type, values }) => {
        const b = createColumnBuilder(type, 1);
        for (const v of values) b.append(v);
        const vec = b.finish();
        expect(String(vec.type)).toBe(String(toArrowType(type)));
        expect(vec.length).toBe(values.length);
        expect(vec.nullCount).toBe(values.filter((v) => v === null).length);
        for (let i = 0; i < values.length; i++) expect(vec.isValid(i)).toBe(values[i] !== null);
      }),
      { numRuns: 300 },
    );
  });

  it('writes what apache-arrow reads back (Int32, Float64, Utf8, Bool, Struct)', () => {
    const ints = [1, null, -3, 2147483647];
    const b = createColumnBuilder(T.INT());
    for (const v of ints) b.append(v);
    expect(b.finish().toArray()).toEqual(new Int32Array([1, 0, -3, 2147483647]));
    const s = createColumnBuilder(T.STRING());
    for (const v of ['a', null, 'ünï', '']) s.append(v);
    expect([...s.finish()]).toEqual(['a', null, 'ünï', '']);
    const bools = createColumnBuilder(T.BOOLEAN());
    for (const v of [true, false, null, true, true, true, true, true, false]) bools.append(v);
    expect([...bools.finish()]).toEqual([true, false, null, true, true, true, true, true, false]);
    const row = createColumnBuilder(T.ROW([T.FIELD('a', T.INT(false)), T.FIELD('b', T.STRING())]));
    row.append({ a: 1, b: 'x' });
    row.append(null);
    row.append([3, null]);
    const rv = row.finish();
    expect(rv.get(0)?.toJSON()).toEqual({ a: 1, b: 'x' });
    expect(rv.get(1)).toBeNull();
    expect(rv.get(2)?.toJSON()).toEqual({ a: 3, b: null });
  });

  it('accepts what contracts.md says builders also accept', () => {
    expect(column(T.INT(), [5n, -7n])).toEqual([5, -7]);
    expect(column(T.DOUBLE(), [5n, Number.NaN, -0, Number.POSITIVE_INFINITY])).toEqual([
      5,
      Number.NaN,
      -0,
      Number.POSITIVE_INFINITY,
    ]);
    expect(column(T.FLOAT(), [Number.NaN, 1.5])).toEqual([Number.NaN, 1.5]);
    expect(column(T.BIGINT(), [42, -(2 ** 53) + 1])).toEqual([42n, -(2n ** 53n) + 1n]);
    expect(column(T.DECIMAL(10, 2), [1.5, 7n, '0.005', '-0.005', '1e3', ' 12.3 '])).toEqual([
      '1.50',
      '7.00',
      '0.01',
      '-0.01',
      '1000.00',
      '12.30',
    ]);
    expect(column(T.DATE(), [new Date('1970-01-03T12:00:00Z'), new Date('1969-12-31T23:00:00Z')])).toEqual([
      2, -1,
    ]);
    expect(column(T.TIMESTAMP(3), [new Date(1234), 99n])).toEqual([1234, 99]);
    expect(column(T.TIMESTAMP(0), [1999, -1])).toEqual([1000, -1000]); // sub-second digits dropped (floor)
    expect(column(T.TIMESTAMP(9), [1.000001, 123456789012n])).toEqual([1.000001, 123456789012]);
    expect(column(T.ARRAY(T.INT()), [new Set([1, 2]), new Int32Array([3])])).toEqual([[1, 2], [3]]);
    expect(column(T.MAP(T.STRING(), T.INT()), [{ a: 1, b: null }])).toEqual([
      new Map<string, number | null>([
        ['a', 1],
        ['b', null],
      ]),
    ]);
    expect(column(T.ROW([T.FIELD('x', T.INT()), T.FIELD('y', T.STRING())]), [[1, 'a'], { x: 2 }])).toEqual([
      { x: 1, y: 'a' },
      { x: 2, y: null },
    ]);
    expect(column(T.INT(), [undefined])).toEqual([null]);
  });

  it.each([
    [T.INT(), 'abc', TypeError, "expected INT, got string 'abc'"],
    [T.INT(), 3000000000, RangeError, 'value 3000000000 out of range for INT'],
    [T.INT(), 1.5, RangeError, 'value 1.5 is not an integer, expected INT'],
    [T.INT(), Number.NaN, RangeError, 'value NaN out of range for INT'],
    [T.TINYINT(), 128, RangeError, 'value 128 out of range for TINYINT'],
    [T.SMALLINT(), 40000n, RangeError, 'value 40000 out of range for SMALLINT'],
    [T.BIGINT(), 2 ** 60, RangeError, 'not a safe integer'],
    [T.BIGINT(), 2n ** 63n, RangeError, 'value 9223372036854775808 out of range for BIGINT'],
    [T.BIGINT(), '1', TypeError, "expected BIGINT, got string '1'"],
    [T.FLOAT(), 1e39, RangeError, 'out of range for FLOAT'],
    [T.DOUBLE(), '1.0', TypeError, "expected DOUBLE, got string '1.0'"],
    [T.DOUBLE(), 2n ** 60n + 1n, RangeError, 'cannot be held exactly by DOUBLE'],
    [T.BOOLEAN(), 1, TypeError, 'expected BOOLEAN, got number 1'],
    [T.STRING(), 5, TypeError, 'expected STRING, got number 5'],
    [T.BYTES(), 'x', TypeError, "expected BYTES, got string 'x'"],
    [T.BINARY(4), new Uint8Array(3), RangeError, 'expected 4 bytes for BINARY(4), got 3'],
    [T.DECIMAL(5, 2), '1234.5', RangeError, 'value 1234.5 out of range for DECIMAL(5, 2)'],
    [T.DECIMAL(5, 2), 'x1', TypeError, "expected DECIMAL(5, 2), got string 'x1'"],
    [T.DECIMAL(5, 2), Number.NaN, RangeError, 'NaN where DECIMAL(5, 2) expected'],
    [T.DATE(), 1.5, RangeError, 'not a whole number of days'],
    [T.DATE(), new Date(Number.NaN), TypeError, 'expected DATE, got Date Invalid Date'],
    [T.TIME(3), 86_400_000, RangeError, 'out of range for TIME(3)'],
    [T.TIMESTAMP(9), 1e16, RangeError, 'out of range for TIMESTAMP(9)'],
    [T.TIMESTAMP(3), '2024-01-01', TypeError, "expected TIMESTAMP(3), got string '2024-01-01'"],
    [T.ARRAY(T.INT()), 'abc', TypeError, "expected ARRAY<INT>, got string 'abc'"],
    [T.ARRAY(T.INT()), [1, 'x'], TypeError, "expected INT, got string 'x'"],
    [
      T.MAP(T.STRING(), T.INT()),
      new Map([[null, 1]]),
      TypeError,
      'null map key where STRING NOT NULL expected',
    ],
    [T.ROW([T.FIELD('a', T.INT(false))]), { b: 1 }, TypeError, "field 'a': null where INT NOT NULL expected"],
    [T.ROW([T.FIELD('a', T.INT())]), [1, 2], RangeError, 'expected 1 values for ROW<a INT>, got array(2)'],
    [T.INT(false), null, TypeError, 'null where INT NOT NULL expected'],
    [T.NULL(), 1, TypeError, 'expected NULL, got number 1'],
  ])('%o rejects %o', (type, value, ErrorType, message) => {
    const b = createColumnBuilder(type);
    expect(() => b.append(value)).toThrow(ErrorType);
    expect(() => b.append(value)).toThrow(message);
  });

  it('keeps NOT NULL children of null struct rows valid', () => {
    const dt = T.ROW([T.FIELD('a', T.INT(false)), T.FIELD('s', T.STRING(false))]);
    const b = createColumnBuilder(dt);
    b.append(null);
    b.append({ a: 1, s: 'x' });
    const d = b.finishData();
    expect(d.children[0]!.nullCount).toBe(0);
    expect(d.children[1]!.nullCount).toBe(0);
    expect(d.nullCount).toBe(1);
  });

  it('grows from capacity 1 to many rows, strings included', () => {
    const b = createColumnBuilder(T.STRING(), 1);
    const want: (string | null)[] = [];
    for (let i = 0; i < 5000; i++) {
      const v = i % 7 === 0 ? null : `row-${i}-ü`;
      want.push(v);
      b.append(v);
    }
    const get = makeGetter(b.finishData(), T.STRING());
    expect(want.map((_, i) => get(i))).toEqual(want);
  });
});

describe('columnFromTypedArray', () => {
  it('wraps the Arrow storage without copying', () => {
    const f = new Float64Array([1, 2, 3]);
    const v = columnFromTypedArray(T.DOUBLE(), f);
    expect(v.data[0]!.values).toBe(f);
    const big = new BigInt64Array([1n, 2n ** 62n]);
    expect(columnFromTypedArray(T.BIGINT(), big).data[0]!.values).toBe(big);
    const days = new Int32Array([1, 2]);
    expect(columnFromTypedArray(T.DATE(), days).data[0]!.values).toBe(days);
    const ts = new BigInt64Array([1_000_000n]);
    const tv = columnFromTypedArray(T.TIMESTAMP(6), ts);
    expect(tv.data[0]!.values).toBe(ts);
    expect(makeGetter(tv.data[0]!, T.TIMESTAMP(6))(0)).toBe(1000);
  });

  it('takes a validity bitmap and counts its nulls', () => {
    const v = columnFromTypedArray(T.INT(), new Int32Array([1, 2, 3, 4]), new Uint8Array([0b1011]));
    expect(v.nullCount).toBe(1);
    expect([...v]).toEqual([1, 2, null, 4]);
    expect(() => columnFromTypedArray(T.INT(false), new Int32Array(2), new Uint8Array([1]))).toThrow(
      /null where INT NOT NULL expected/,
    );
    expect(() => columnFromTypedArray(T.INT(), new Int32Array(9), new Uint8Array([255]))).toThrow(
      /bitmap has 1 bytes, 9 rows need 2/,
    );
  });

  it('widens and converts with checks', () => {
    expect([...columnFromTypedArray(T.DOUBLE(), new Int32Array([1, -2]))]).toEqual([1, -2]);
    expect(String(columnFromTypedArray(T.DOUBLE(), new Int32Array([1])).type)).toBe('Float64');
    expect([...columnFromTypedArray(T.INT(), new Float64Array([1, 2]))]).toEqual([1, 2]);
    expect([...columnFromTypedArray(T.BOOLEAN(), new Uint8Array([0, 1, 2]))]).toEqual([false, true, true]);
    expect(() => columnFromTypedArray(T.INT(), new Float64Array([1, 2.5]))).toThrow(
      /row 1: value 2.5 is not an integer/,
    );
    expect(() => columnFromTypedArray(T.TINYINT(), new Int32Array([1000]))).toThrow(
      /row 0: value 1000 out of range for TINYINT/,
    );
    // rows marked null are not checked
    const v = columnFromTypedArray(T.INT(), new Float64Array([Number.NaN, 3]), new Uint8Array([0b10]));
    expect([...v]).toEqual([null, 3]);
    expect(v).toBeInstanceOf(arrow.Vector);
  });
});
