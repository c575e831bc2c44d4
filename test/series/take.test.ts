import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { take } from '../../src/series/take.js';
import { columnCase, layout, plain, toVector } from './column-arbitraries.js';

/** A column, a layout for it, and indices into it (-1 = a null row). */
const takeCase = columnCase.chain((c) =>
  fc.tuple(
    fc.constant(c),
    layout(c.values.length),
    fc.array(fc.integer({ min: -1, max: c.values.length - 1 }), { maxLength: 80 }),
  ),
);

describe('take', () => {
  it('gathers the same values as reading each index (all kinds, chunked and sliced, repeats, -1 as null)', () => {
    fc.assert(
      fc.property(takeCase, ([c, lay, idx]) => {
        const v = toVector(c, lay);
        const out = take(v, Int32Array.from(idx));
        expect(out.length).toBe(idx.length);
        expect(out.data).toHaveLength(1);
        expect(String(out.type)).toBe(String(v.type));
        const want = idx.map((i) => (i < 0 ? null : plain(v.get(i))));
        expect([...out].map(plain)).toEqual(want);
        expect(out.nullCount).toBe(want.filter((x) => x === null).length);
      }),
      { numRuns: 400 },
    );
  });

  it('produces data that survives an Arrow IPC round trip', () => {
    fc.assert(
      fc.property(takeCase, ([c, lay, idx]) => {
        const out = take(toVector(c, lay), Int32Array.from(idx));
        const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table({ x: out }))).getChild('x')!;
        expect([...back].map(plain)).toEqual([...out].map(plain));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps float bits (-0, NaN payloads) and 64-bit integers exactly', () => {
    const f = arrow.vectorFromArray([-0, Number.NaN, 2 ** 53 + 2], new arrow.Float64());
    const t = take(f, Int32Array.of(0, 2));
    expect(Object.is(t.get(0), -0)).toBe(true);
    expect(t.get(1)).toBe(2 ** 53 + 2);
    const big = arrow.vectorFromArray([2n ** 63n - 1n, -(2n ** 63n)], new arrow.Int64());
    expect(take(big, Int32Array.of(1, 0)).toArray()).toEqual(BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n));
  });

  it('keeps a shared dictionary instead of decoding', () => {
    const d = arrow.vectorFromArray(
      ['u', 'v', 'u'],
      new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    );
    const t = take(d, Int32Array.of(1, 1, 0));
    expect(t.data[0]!.dictionary).toBe(d.data[0]!.dictionary);
    expect(t.toArray()).toEqual(['v', 'v', 'u']);
  });

  it('refuses an index past the end, naming it', () => {
    const v = arrow.vectorFromArray(['a', 'b'], new arrow.Utf8());
    expect(() => take(v, Int32Array.of(0, 2))).toThrow(/index 2 is out of range for a column of 2 rows/);
    expect(() => take(arrow.vectorFromArray([1, 2]), Int32Array.of(5))).toThrow(RangeError);
  });

  it('gathers through the builder path for layouts without a dedicated kernel (large strings)', () => {
    const v = arrow.vectorFromArray(['x', null, 'zé'], new arrow.LargeUtf8());
    expect(take(v, Int32Array.of(2, 1, 0, -1)).toArray()).toEqual(['zé', null, 'x', null]);
  });

  it('accepts anything holding a vector', () => {
    expect(take({ vector: arrow.vectorFromArray([1, 2, 3]) }, Int32Array.of(2)).toArray()).toEqual(
      Float64Array.of(3),
    );
  });
});
