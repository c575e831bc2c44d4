import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeGetter, makeVectorGetter } from '../../src/series/accessors.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { typedColumn } from '../types/arbitraries.js';

function build(type: DataType, values: unknown[]): arrow.Vector {
  const b = createColumnBuilder(type, 1);
  for (const v of values) b.append(v);
  return b.finish();
}

describe('makeGetter', () => {
  it('reads back what the builder wrote, for every type with nulls (fast-check)', () => {
    fc.assert(
      fc.property(typedColumn(2), ({ type, values }) => {
        const v = build(type, values);
        expect(v.length).toBe(values.length);
        const get = makeGetter(v.data[0]!, type);
        expect(values.map((_, i) => get(i))).toEqual(values);
      }),
      { numRuns: 400 },
    );
  });

  it('respects slices (validity and Bool bit offsets, offsets of var-width and nested types)', () => {
    fc.assert(
      fc.property(
        typedColumn(2, 30).chain((c) =>
          fc
            .tuple(fc.nat(c.values.length), fc.nat(c.values.length))
            .map(([a, b]) => ({ ...c, begin: Math.min(a, b), end: Math.max(a, b) })),
        ),
        ({ type, values, begin, end }) => {
          const v = build(type, values).slice(begin, end);
          const get = makeGetter(v.data[0]!, type);
          expect(Array.from({ length: end - begin }, (_, i) => get(i))).toEqual(values.slice(begin, end));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with apache-arrow on columns Arrow built itself', () => {
    const ints = [1, null, -5, 2147483647, null, 0, 7, 8, 9];
    const iv = arrow.vectorFromArray(ints, new arrow.Int32());
    expect(Array.from({ length: ints.length }, (_, i) => makeGetter(iv.data[0]!, T.INT())(i))).toEqual(ints);
    const strs = ['a', null, 'héllo', '', '日本語', null, 'z'];
    const sv = arrow.vectorFromArray(strs, new arrow.Utf8());
    expect(strs.map((_, i) => makeGetter(sv.data[0]!, T.STRING())(i))).toEqual(strs);
    const bools = [true, false, null, true, true, false, false, true, null, true];
    const bv = arrow.vectorFromArray(bools, new arrow.Bool()).slice(3);
    expect(bools.slice(3).map((_, i) => makeGetter(bv.data[0]!, T.BOOLEAN())(i))).toEqual(bools.slice(3));
    const lists = [[1, 2], null, [], [3, null]];
    const lv = arrow.vectorFromArray(lists, new arrow.List(new arrow.Field('item', new arrow.Int32(), true)));
    expect(lists.map((_, i) => makeGetter(lv.data[0]!, T.ARRAY(T.INT()))(i))).toEqual(lists);
  });

  it('gives exact bigints for BIGINT above 2^53 and ms for timestamps', () => {
    const big = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, null];
    const get = makeGetter(build(T.BIGINT(), big).data[0]!, T.BIGINT());
    expect(big.map((_, i) => get(i))).toEqual(big);
    const us = arrow.makeData({
      type: new arrow.TimestampMicrosecond(),
      length: 3,
      data: new BigInt64Array([1_700_000_000_123_456n, -1n, 0n]),
    });
    const g = makeGetter(us, T.TIMESTAMP(6));
    expect([g(0), g(1), g(2)]).toEqual([1_700_000_000_123.456, -0.001, 0]);
    const t0 = arrow.makeData({ type: new arrow.TimeSecond(), length: 1, data: new Int32Array([3723]) });
    expect(makeGetter(t0, T.TIME(0))(0)).toBe(3_723_000);
  });

  it('formats decimals exactly with scale digits, including 128-bit values', () => {
    const dt = T.DECIMAL(38, 4);
    const vals = [
      '0.0000',
      '-0.0001',
      '12.3000',
      '-99999999999999999999999999999999.9999',
      '1234567890123.4567',
    ];
    const get = makeGetter(build(dt, vals).data[0]!, dt);
    expect(vals.map((_, i) => get(i))).toEqual(vals);
  });

  it('refuses data of another Arrow layout', () => {
    const v = build(T.INT(), [1]);
    expect(() => makeGetter(v.data[0]!, T.BIGINT())).toThrow(/Arrow type Int32 cannot be read as BIGINT/);
  });
});

describe('makeVectorGetter', () => {
  it('reads across chunks in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }), { maxLength: 6 }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (chunks, probes) => {
          const vec = chunks.map((c) => build(T.INT(), c)).reduce((a, b) => a.concat(b));
          const all = chunks.flat();
          const get = makeVectorGetter(vec, T.INT());
          expect(all.map((_, i) => get(i))).toEqual(all);
          for (const p of probes)
            if (all.length > 0) expect(get(p % all.length)).toEqual(all[p % all.length]);
        },
      ),
    );
  });
});
