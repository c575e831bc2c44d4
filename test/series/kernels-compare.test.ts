import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/series/series.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { double, layoutOf, pairOf, seriesOf, text } from './series-fixtures.js';

type Op = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
const OPS: Op[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

function holds(op: Op, c: number): boolean {
  // c is NaN when the values are unordered (a NaN is involved): only `ne` holds.
  if (Number.isNaN(c)) return op === 'ne';
  return { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[op];
}

function cmpNum(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Code point order (what UTF-8 byte order is). */
function cmpText(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const numeric: [DataType, fc.Arbitrary<number | bigint>][] = [
  [T.TINYINT(), fc.integer({ min: -128, max: 127 })],
  [T.INT(), fc.oneof(fc.integer(), fc.integer({ min: -3, max: 3 }))],
  [
    T.BIGINT(),
    fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -3n, max: 3n })),
  ],
  [T.FLOAT(), double.map(Math.fround)],
  [T.DOUBLE(), fc.oneof(double, fc.integer({ min: -3, max: 3 }))],
];

function check(op: Op, a: Series, b: Series | unknown, want: (boolean | null)[]): void {
  const got = (a[op] as (x: unknown) => Series)(b);
  expect(got.type.kind).toBe('BOOLEAN');
  expect(got.toArray()).toEqual(want);
}

describe('comparison', () => {
  it('compares numbers of any two kinds by value, nulls propagating', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.integer({ min: 0, max: numeric.length - 1 }),
            fc.integer({ min: 0, max: numeric.length - 1 }),
          )
          .chain(([i, j]) =>
            fc.tuple(
              fc.constant(numeric[i]![0]),
              fc.constant(numeric[j]![0]),
              pairOf(numeric[i]![1], numeric[j]![1], 50).chain(([xs, ys]) =>
                fc.tuple(fc.constant(xs), fc.constant(ys), layoutOf(xs.length), layoutOf(xs.length)),
              ),
            ),
          ),
        fc.constantFrom(...OPS),
        ([ta, tb, [xs, ys, la, lb]], op) => {
          const want = xs.map((x, i) => (x === null || ys[i] === null ? null : holds(op, cmpNum(x, ys[i]!))));
          check(op, seriesOf(ta, xs, la), seriesOf(tb, ys, lb), want);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('compares a column with a number or bigint scalar', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: numeric.length - 1 })
          .chain((i) =>
            fc.tuple(
              fc.constant(numeric[i]![0]),
              fc.array(fc.option(numeric[i]![1], { nil: null }), { maxLength: 40 }),
              fc.oneof(
                double,
                fc.integer({ min: -3, max: 3 }),
                fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
              ),
            ),
          ),
        fc.constantFrom(...OPS),
        ([t, xs, s], op) => {
          const want = xs.map((x) => (x === null ? null : holds(op, cmpNum(x, s))));
          // bigint vs number compares exactly in the reference; the kernel compares a bigint scalar
          // with a float column as doubles, like SQL.
          if (typeof s === 'bigint' && (t.kind === 'FLOAT' || t.kind === 'DOUBLE')) {
            check(
              op,
              seriesOf(t, xs),
              s,
              xs.map((x) => (x === null ? null : holds(op, cmpNum(x, Number(s))))),
            );
          } else check(op, seriesOf(t, xs), s, want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('compares strings in code point order (UTF-8 byte order), with scalars', () => {
    fc.assert(
      fc.property(
        pairOf(text, text, 50).chain(([xs, ys]) =>
          fc.tuple(fc.constant(xs), fc.constant(ys), layoutOf(xs.length)),
        ),
        text,
        fc.constantFrom(...OPS),
        ([xs, ys, lay], s, op) => {
          const a = seriesOf(T.STRING(), xs, lay);
          check(
            op,
            a,
            seriesOf(T.STRING(), ys),
            xs.map((x, i) => (x === null || ys[i] === null ? null : holds(op, cmpText(x, ys[i]!)))),
          );
          check(
            op,
            a,
            s,
            xs.map((x) => (x === null ? null : holds(op, cmpText(x, s)))),
          );
        },
      ),
      { numRuns: 300 },
    );
    // U+FFFF sorts before U+1F642 in code points, after it in UTF-16 units.
    expect(Series.from(['\uffff']).lt('🙂').get(0)).toBe(true);
  });

  it('compares booleans, dates, timestamps and decimals', () => {
    fc.assert(
      fc.property(pairOf(fc.boolean(), fc.boolean()), fc.constantFrom(...OPS), ([xs, ys], op) => {
        const want = xs.map((x, i) =>
          x === null || ys[i] === null ? null : holds(op, Number(x) - Number(ys[i])),
        );
        check(op, seriesOf(T.BOOLEAN(), xs), seriesOf(T.BOOLEAN(), ys), want);
        check(
          op,
          seriesOf(T.BOOLEAN(), xs),
          true,
          xs.map((x) => (x === null ? null : holds(op, Number(x) - 1))),
        );
      }),
      { numRuns: 200 },
    );
    const days = Series.from([-1, 0, 19782, null], { type: T.DATE() });
    expect(days.lt(new Date(Date.UTC(1970, 0, 1))).toArray()).toEqual([true, false, false, null]);
    expect(days.ge(0).toArray()).toEqual([false, true, true, null]);
    const ts = Series.from([0, 1.5, -1], { type: T.TIMESTAMP(6) });
    const ms = Series.from([0, 1, 0], { type: T.TIMESTAMP(3) });
    expect(ts.gt(ms).toArray()).toEqual([false, true, false]);
    expect(ts.eq(new Date(0)).toArray()).toEqual([true, false, false]);
    const d = Series.from(['1.10', '-2.00', null], { type: T.DECIMAL(5, 2) });
    const e = Series.from(['1.1', '-2.001'], { type: T.DECIMAL(6, 3) });
    expect(d.slice(0, 2).eq(e).toArray()).toEqual([true, false]);
    expect(d.slice(0, 2).gt(e).toArray()).toEqual([false, true]);
    expect(d.lt('1.11').toArray()).toEqual([true, true, null]);
  });

  it('rejects what cannot be compared', () => {
    expect(() => Series.from(['a']).lt(1)).toThrow(TypeError);
    expect(() => Series.from([1]).eq(Series.from(['a']))).toThrow(/cannot compare/);
    expect(() => Series.from([1, 2]).eq(Series.from([1]))).toThrow(/2 and 1 rows/);
  });
});
