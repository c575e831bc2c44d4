import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/series/series.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { double, layoutOf, pairOf, same, seriesOf, text, withNulls } from './series-fixtures.js';

type B = boolean | null;

/** SQL three-valued logic, spelled out. */
function and(a: B, b: B): B {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}
function or(a: B, b: B): B {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}
function xor(a: B, b: B): B {
  return a === null || b === null ? null : a !== b;
}

describe('Kleene logic', () => {
  it('and / or / xor / not follow SQL three-valued logic in every layout', () => {
    fc.assert(
      fc.property(
        pairOf(fc.boolean(), fc.boolean(), 90).chain(([xs, ys]) =>
          fc.tuple(fc.constant(xs), fc.constant(ys), layoutOf(xs.length), layoutOf(xs.length)),
        ),
        ([xs, ys, la, lb]) => {
          const a = seriesOf(T.BOOLEAN(), xs, la);
          const b = seriesOf(T.BOOLEAN(), ys, lb);
          expect(a.and(b).toArray()).toEqual(xs.map((x, i) => and(x, ys[i]!)));
          expect(a.or(b).toArray()).toEqual(xs.map((x, i) => or(x, ys[i]!)));
          expect(a.xor(b).toArray()).toEqual(xs.map((x, i) => xor(x, ys[i]!)));
          expect(a.not().toArray()).toEqual(xs.map((x) => (x === null ? null : !x)));
          for (const s of [true, false, null]) {
            expect(a.and(s).toArray()).toEqual(xs.map((x) => and(x, s)));
            expect(a.or(s).toArray()).toEqual(xs.map((x) => or(x, s)));
            expect(a.xor(s).toArray()).toEqual(xs.map((x) => xor(x, s)));
          }
          const r = a.and(b);
          expect(r.nullCount).toBe(r.toArray().filter((v) => v === null).length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('needs BOOLEAN operands', () => {
    expect(() => Series.from([1]).and(true)).toThrow(/BOOLEAN/);
    expect(() => Series.from([true]).or(Series.from([1]))).toThrow(/BOOLEAN/);
    expect(Series.from([], { type: T.BOOLEAN() }).not().length).toBe(0);
  });
});

const columns: [DataType, fc.Arbitrary<unknown>][] = [
  [T.INT(), fc.integer()],
  [T.BIGINT(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
  [T.DOUBLE(), double],
  [T.BOOLEAN(), fc.boolean()],
  [T.STRING(), text],
  [T.DATE(), fc.integer({ min: -100000, max: 100000 })],
  [T.DECIMAL(12, 3), fc.integer({ min: -1e9, max: 1e9 }).map((v) => (v / 1000).toFixed(3))],
  [T.TIMESTAMP(6), fc.integer({ min: -1e12, max: 1e12 })],
  [T.BYTES(), fc.uint8Array({ maxLength: 4 })],
];

describe('nulls', () => {
  it('isNull / isNotNull give BOOLEAN without nulls', () => {
    fc.assert(
      fc.property(
        withNulls(double, 90).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        ([xs, lay]) => {
          const s = seriesOf(T.DOUBLE(), xs, lay);
          expect(s.isNull().toArray()).toEqual(xs.map((x) => x === null));
          expect(s.isNotNull().toArray()).toEqual(xs.map((x) => x !== null));
          expect(s.isNull().nullCount).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fillNull with a scalar or a Series (COALESCE) for every layout', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: columns.length - 1 }).chain((k) =>
          fc.tuple(
            fc.constant(columns[k]![0]),
            pairOf(columns[k]![1], columns[k]![1], 60).chain(([xs, ys]) =>
              fc.tuple(fc.constant(xs), fc.constant(ys), layoutOf(xs.length), layoutOf(xs.length)),
            ),
            columns[k]![1],
          ),
        ),
        ([t, [xs, ys, la, lb], fill]) => {
          const a = seriesOf(t, xs, la);
          const b = seriesOf(t, ys, lb);
          const read = (v: unknown[]) => seriesOf(t, v).toArray();
          const scalar = a.fillNull(fill);
          expect(typeToString(scalar.type)).toBe(typeToString(t));
          const want = read(xs.map((x) => (x === null ? fill : x)));
          scalar.toArray().forEach((v, i) => {
            expect(same(v, want[i]) || deepSame(v, want[i])).toBe(true);
          });
          expect(scalar.nullCount).toBe(0);
          const co = a.fillNull(b);
          const want2 = read(xs.map((x, i) => (x === null ? ys[i] : x)));
          co.toArray().forEach((v, i) => {
            expect(same(v, want2[i]) || deepSame(v, want2[i])).toBe(true);
          });
          expect(a.fillNull(null).toArray()).toEqual(a.toArray());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fills nested columns row by row and checks the fill value', () => {
    const s = Series.from([[1], null], { type: T.ARRAY(T.INT()) });
    expect(s.fillNull([7, 8]).toArray()).toEqual([[1], [7, 8]]);
    expect(() => Series.from([1, null], { type: T.TINYINT() }).fillNull(1000)).toThrow(RangeError);
    expect(() => Series.from([1, null]).fillNull('x')).toThrow(TypeError);
  });
});

function deepSame(a: unknown, b: unknown): boolean {
  return (
    a instanceof Uint8Array &&
    b instanceof Uint8Array &&
    a.length === b.length &&
    a.every((x, i) => x === b[i])
  );
}
