import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/series/series.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { double, layoutOf, same, seriesOf, text, vectorOf, withNulls } from './series-fixtures.js';

describe('Series: a view over Arrow vectors', () => {
  it('reads length, nulls, values, validity and rows in every layout', () => {
    fc.assert(
      fc.property(
        withNulls(double).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        ([xs, lay]) => {
          const s = seriesOf(T.DOUBLE(), xs, lay);
          expect(s.length).toBe(xs.length);
          expect(s.nullCount).toBe(xs.filter((x) => x === null).length);
          const values = s.values as Float64Array;
          const bits = s.validity;
          expect(bits === null).toBe(s.nullCount === 0);
          for (let i = 0; i < xs.length; i++) {
            const valid = xs[i] !== null;
            expect(s.isValid(i)).toBe(valid);
            if (bits) expect(((bits[i >> 3]! >> (i & 7)) & 1) === 1).toBe(valid);
            if (valid) expect(same(values[i], xs[i])).toBe(true);
            expect(same(s.get(i), xs[i])).toBe(true);
          }
          expect([...s].every((v, i) => same(v, xs[i]))).toBe(true);
          expect(s.toArray().every((v, i) => same(v, xs[i]))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is zero-copy over a single chunk', () => {
    const data = Float64Array.of(1, 2, 3, 4);
    const s = Series.from(data);
    expect(s.values).toBe(data);
    const v = new Series(vectorOf(T.INT(), [1, null, 3, 4, 5, 6, 7, 8, 9]));
    const sliced = v.slice(8);
    expect((sliced.values as Int32Array).buffer).toBe((v.values as Int32Array).buffer);
    expect(sliced.toArray()).toEqual([9]);
    expect(v.slice(-3, -1).toArray()).toEqual([7, 8]);
    const bits = v.validity!;
    expect(v.slice(0, 8).validity!.buffer).toBe(bits.buffer); // byte-aligned: shared
  });

  it('joins chunks once for values, and reads rows across chunks', () => {
    const a = arrow.makeData({ type: new arrow.Int32(), length: 2, data: Int32Array.of(1, 2) });
    const b = arrow.makeData({ type: new arrow.Int32(), length: 3, data: Int32Array.of(3, 4, 5) });
    const s = new Series(new arrow.Vector([a, b]), 'x');
    expect(Array.from(s.values as Int32Array)).toEqual([1, 2, 3, 4, 5]);
    expect(s.values).toBe(s.values);
    expect(s.get(3)).toBe(4);
    expect(s.toArray()).toEqual([1, 2, 3, 4, 5]);
  });

  it('returns JS values as contracts.md defines them', () => {
    expect(Series.from([1n, null]).get(0)).toBe(1n);
    expect(Series.from(['12.30'], { type: T.DECIMAL(5, 2) }).get(0)).toBe('12.30');
    expect(Series.from([-1], { type: T.DATE() }).get(0)).toBe(-1);
    expect(Series.from([true, null]).toArray()).toEqual([true, null]);
    expect(Series.from(['é', null, '']).toArray()).toEqual(['é', null, '']);
    expect(Series.from([Uint8Array.of(1, 2)]).get(0)).toEqual(Uint8Array.of(1, 2));
  });

  it('infers types and checks values in Series.from', () => {
    expect(typeToString(Series.from(Float32Array.of(1)).type)).toBe('FLOAT');
    expect(typeToString(Series.from(Int16Array.of(1)).type)).toBe('SMALLINT');
    expect(typeToString(Series.from(BigInt64Array.of(1n)).type)).toBe('BIGINT');
    expect(typeToString(Series.from([null, 'a']).type)).toBe('STRING');
    expect(typeToString(Series.from([null, true]).type)).toBe('BOOLEAN');
    expect(typeToString(Series.from([]).type)).toBe('DOUBLE');
    expect(typeToString(Series.from([new Date(0)]).type)).toBe('TIMESTAMP(3)');
    expect(() => Series.from(Uint32Array.of(1))).toThrow(/give a type/);
    expect(() => Series.from([1, 'a'])).toThrow(/row 1/);
    expect(() => Series.from([300], { type: T.TINYINT() })).toThrow(RangeError);
    expect(Series.from([1, 2], { type: T.INT(), name: 'n' }).name).toBe('n');
    const s = Series.from(['a'], { type: T.VARCHAR(10) });
    expect(typeToString(s.type)).toBe('VARCHAR(10)');
    expect(typeToString(s.slice(0).type)).toBe('VARCHAR(10)');
  });

  it('renames without copying, keeps the declared type, and prints itself', () => {
    const s = Series.from([1, null, 3], { type: T.INT(), name: 'a' });
    const r = s.rename('b');
    expect(r.name).toBe('b');
    expect(r.vector).toBe(s.vector);
    expect(String(s)).toBe("Series 'a' INT [1, null, 3] (3 rows)");
    const lazy = Series.from([1]).mul(2).rename('z');
    expect(lazy.name).toBe('z');
    expect(lazy.get(0)).toBe(2);
    expect(() => new Series(vectorOf(T.INT(), [1]), 'x', T.STRING())).toThrow(/cannot be STRING/);
  });

  it('handles empty Series and out-of-range rows', () => {
    const e = Series.from([], { type: T.STRING() });
    expect(e.length).toBe(0);
    expect(e.toArray()).toEqual([]);
    expect([...e]).toEqual([]);
    expect(e.nullCount).toBe(0);
    expect(e.validity).toBeNull();
    expect(() => e.get(0)).toThrow(RangeError);
    expect(() => Series.from([1]).isValid(1)).toThrow(RangeError);
    expect(() => Series.from(['x']).values).toThrow(/no values array/);
  });

  it('gives BOOLEAN values as packed bits starting at row 0, even when sliced', () => {
    fc.assert(
      fc.property(
        withNulls(fc.boolean()).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        ([xs, lay]) => {
          const s = seriesOf(T.BOOLEAN(), xs, lay);
          const bits = s.values as Uint8Array;
          xs.forEach((x, i) => {
            if (x !== null) expect(((bits[i >> 3]! >> (i & 7)) & 1) === 1).toBe(x);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('maps rows with a function, nulls skipped, type given or inferred', () => {
    fc.assert(
      fc.property(withNulls(text), (xs) => {
        const s = Series.from(xs, { type: T.STRING() });
        const lens = s.map((v: string) => v.length, T.INT());
        expect(lens.toArray()).toEqual(xs.map((x) => (x === null ? null : x.length)));
        const inferred = s.map((v: string, i) => `${i}:${v}`);
        expect(inferred.toArray()).toEqual(xs.map((x, i) => (x === null ? null : `${i}:${x}`)));
      }),
      { numRuns: 100 },
    );
    expect(() => Series.from([1]).map(() => 'x', T.INT())).toThrow(TypeError);
  });
});
