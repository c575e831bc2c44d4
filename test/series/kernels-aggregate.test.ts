import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/series/series.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { double, layoutOf, same, seriesOf, text, withNulls } from './series-fixtures.js';

const numeric: [DataType, fc.Arbitrary<number | bigint>][] = [
  [T.TINYINT(), fc.integer({ min: -128, max: 127 })],
  [T.INT(), fc.integer()],
  [T.BIGINT(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
  [T.FLOAT(), double.map(Math.fround)],
  [T.DOUBLE(), double],
  [T.DOUBLE(), fc.double({ noNaN: true, min: -1e6, max: 1e6 })],
];

/** First smallest / largest by `<` / `>`, NaN skipped unless every value is NaN. */
function extreme<V extends number | bigint>(xs: (V | null)[], max: boolean): V | null {
  let best: V | null = null;
  let nan: V | null = null;
  for (const x of xs) {
    if (x === null) continue;
    if (typeof x === 'number' && Number.isNaN(x)) {
      nan ??= x;
      continue;
    }
    if (best === null || (max ? x > best : x < best)) best = x;
  }
  return best ?? nan;
}

describe('aggregations', () => {
  it('count / sum / mean / min / max / var / std skip nulls and match the reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: numeric.length - 1 }).chain((k) =>
          fc.tuple(
            fc.constant(numeric[k]![0]),
            withNulls(numeric[k]![1], 80).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
          ),
        ),
        fc.integer({ min: 0, max: 2 }),
        ([t, [xs, lay]], ddof) => {
          const s = seriesOf(t, xs, lay);
          const vals = xs.filter((x): x is number | bigint => x !== null);
          expect(s.count()).toBe(vals.length);
          if (t.kind === 'BIGINT') {
            const total = (vals as bigint[]).reduce((a, b) => a + b, 0n);
            expect(s.sum()).toBe(total);
            expect(s.mean()).toBe(vals.length ? Number(total) / vals.length : Number.NaN);
          } else {
            let total = 0;
            for (const v of vals as number[]) total += v;
            expect(same(s.sum(), total)).toBe(true);
            expect(same(s.mean(), vals.length ? total / vals.length : Number.NaN)).toBe(true);
          }
          expect(same(s.min(), extreme(xs, false))).toBe(true);
          expect(same(s.max(), extreme(xs, true))).toBe(true);
          const nums = vals.map(Number);
          let want = Number.NaN;
          if (nums.length - ddof > 0) {
            const m =
              t.kind === 'BIGINT'
                ? Number((vals as bigint[]).reduce((a, b) => a + b, 0n)) / nums.length
                : nums.reduce((a, b) => a + b, 0) / nums.length;
            let ss = 0;
            for (const v of nums) ss += (v - m) * (v - m);
            want = ss / (nums.length - ddof);
          }
          expect(same(s.var(ddof), want)).toBe(true);
          expect(same(s.std(ddof), Math.sqrt(want))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sums BIGINT exactly past 2^64 and over more than 2^20 rows', () => {
    const big = Series.from([2n ** 63n - 1n, 2n ** 63n - 1n, 2n ** 63n - 1n]);
    expect(big.sum()).toBe(3n * (2n ** 63n - 1n));
    const n = (1 << 20) + 5;
    const many = Series.from(new BigInt64Array(n).fill(-(2n ** 62n)));
    expect(many.sum()).toBe(BigInt(n) * -(2n ** 62n));
  });

  it('aggregates strings, booleans, dates and decimals', () => {
    fc.assert(
      fc.property(
        withNulls(text).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        ([xs, lay]) => {
          const s = seriesOf(T.STRING(), xs, lay);
          // code point order = UTF-8 byte order
          const key = (x: string) =>
            [...x].map((c) => c.codePointAt(0)!.toString(16).padStart(6, '0')).join('');
          const vals = xs.filter((x): x is string => x !== null);
          const sorted = [...vals].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
          expect(s.min()).toBe(sorted[0] ?? null);
          expect(s.max()).toBe(sorted.at(-1) ?? null);
          expect(s.count()).toBe(vals.length);
        },
      ),
      { numRuns: 200 },
    );
    expect(Series.from([true, null, false]).min()).toBe(false);
    expect(Series.from([false, true]).max()).toBe(true);
    expect(Series.from([5, -3, null], { type: T.DATE() }).min()).toBe(-3);
    const d = Series.from(['1.10', '-2.05', null, '3.00'], { type: T.DECIMAL(10, 2) });
    expect(d.sum()).toBe('2.05');
    expect(d.min()).toBe('-2.05');
    expect(d.max()).toBe('3.00');
    expect(d.mean()).toBeCloseTo(2.05 / 3);
    expect(Series.from([null], { type: T.DECIMAL(10, 2) }).sum()).toBe('0.00');
    expect(() => Series.from(['a']).sum()).toThrow(/numeric/);
  });

  it('gives the identities on empty and all-null columns', () => {
    for (const s of [
      Series.from([], { type: T.DOUBLE() }),
      Series.from([null, null], { type: T.DOUBLE() }),
    ]) {
      expect(s.count()).toBe(0);
      expect(s.sum()).toBe(0);
      expect(s.mean()).toBeNaN();
      expect(s.min()).toBeNull();
      expect(s.max()).toBeNull();
      expect(s.var()).toBeNaN();
    }
    expect(Series.from([], { type: T.BIGINT() }).sum()).toBe(0n);
    expect(Series.from([Number.NaN, Number.NaN]).min()).toBeNaN();
  });
});
