import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupRows, groupSizes, rowsOfGroup } from '../../src/series/group-by.js';
import { type ColumnCase, columnCase, layout, plain, toVector } from './column-arbitraries.js';

/** The naive reference: one JSON key per row, a Map from key to first-appearance id. */
function naiveGroups(columns: arrow.Vector[], n: number) {
  const ids = new Map<string, number>();
  const groupIds: number[] = [];
  const firstRow: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = JSON.stringify(columns.map((c) => plain(c.get(i))));
    let g = ids.get(key);
    if (g === undefined) {
      ids.set(key, (g = ids.size));
      firstRow.push(i);
    }
    groupIds.push(g);
  }
  return { groupIds, numGroups: ids.size, firstRow };
}

/** Several columns of one common length, each in its own layout. */
const keyColumns = fc
  .tuple(fc.array(columnCase, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 60 }))
  .chain(([cases, n]) => {
    const sized = cases.map(
      (c): ColumnCase => ({
        ...c,
        values: Array.from({ length: n }, (_, i) => (c.values.length ? c.values[i % c.values.length] : null)),
      }),
    );
    return fc.tuple(fc.constant(sized), fc.tuple(...sized.map(() => layout(n))), fc.constant(n));
  });

describe('groupRows', () => {
  it('matches a naive Map-based grouping (nulls, strings, floats, multi-column, chunked and sliced)', () => {
    fc.assert(
      fc.property(keyColumns, ([cases, layouts, n]) => {
        const vectors = cases.map((c, k) => toVector(c, layouts[k]));
        const got = groupRows(vectors);
        const want = naiveGroups(vectors, n);
        expect(got.numGroups).toBe(want.numGroups);
        expect(Array.from(got.groupIds)).toEqual(want.groupIds);
        expect(Array.from(got.firstRow)).toEqual(want.firstRow);
      }),
      { numRuns: 400 },
    );
  });

  it('groups non-ASCII strings by their UTF-8 bytes, null apart from the empty string', () => {
    const values = ['日本', '', null, 'e\u0301', 'é', '日本', null, '', 'é'];
    // plain UTF-8, and dictionary-encoded (what vectorFromArray makes of strings by default)
    for (const v of [arrow.vectorFromArray(values, new arrow.Utf8()), arrow.vectorFromArray(values)]) {
      const g = groupRows([v]);
      expect(Array.from(g.groupIds)).toEqual([0, 1, 2, 3, 4, 0, 2, 1, 4]);
      expect(g.numGroups).toBe(5);
      expect(Array.from(g.firstRow)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('puts -0 with 0 and every NaN together, and keeps null apart from NaN', () => {
    const f = new Float64Array([0, -0, Number.NaN, 1, Number.NaN]);
    // a NaN with another payload: same group as the canonical NaN
    new Uint32Array(f.buffer)[9] = 0x7ff00001;
    const v = arrow.makeVector(
      arrow.makeData({ type: new arrow.Float64(), data: f, nullBitmap: Uint8Array.of(0b01111) }),
    );
    expect(Number.isNaN(v.get(2))).toBe(true);
    expect(Array.from(groupRows([v]).groupIds)).toEqual([0, 0, 1, 2, 3]);
  });

  it('accepts anything holding a vector (a Series) and checks lengths', () => {
    const a = arrow.vectorFromArray([1, 1, 2]);
    expect(groupRows([{ vector: a }]).numGroups).toBe(2);
    expect(() => groupRows([a, arrow.vectorFromArray([1, 2])])).toThrow(
      /key column 1 has 2 rows, expected 3/,
    );
  });

  it('with no key makes one group of every row', () => {
    const g = groupRows([], 4);
    expect(Array.from(g.groupIds)).toEqual([0, 0, 0, 0]);
    expect(g.numGroups).toBe(1);
    expect(groupRows([], 0).numGroups).toBe(0);
  });

  it('groups 128-bit decimals and fixed-size binary by their bytes', () => {
    const words = new Uint32Array([1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    const dec = arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(2, 10, 128), data: words }));
    expect(Array.from(groupRows([dec]).groupIds)).toEqual([0, 1, 0, 2]);
    const fsb = arrow.makeVector(
      arrow.makeData({ type: new arrow.FixedSizeBinary(3), data: Uint8Array.of(1, 2, 3, 1, 2, 4, 1, 2, 3) }),
    );
    expect(Array.from(groupRows([fsb]).groupIds)).toEqual([0, 1, 0]);
    const sliced = fsb.slice(1);
    expect(Array.from(groupRows([sliced]).groupIds)).toEqual([0, 1]);
  });

  it('keeps ids right when the hash table grows past many thousands of keys', () => {
    const n = 50_000;
    const values = Array.from({ length: n }, (_, i) => `k${(i * 7919) % 20_011}`);
    const v = arrow.vectorFromArray(values, new arrow.Utf8());
    const g = groupRows([v, arrow.vectorFromArray(Int32Array.from(values, (_, i) => i % 3))]);
    const want = naiveGroups([v, arrow.vectorFromArray(Int32Array.from(values, (_, i) => i % 3))], n);
    expect(g.numGroups).toBe(want.numGroups);
    expect(Array.from(g.groupIds)).toEqual(want.groupIds);
  });
});

describe('rowsOfGroup', () => {
  it('lists each group’s rows in ascending order, all rows once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 80 }), (raw) => {
        const numGroups = 7;
        const ids = Int32Array.from(raw);
        const { offsets, indices } = rowsOfGroup(ids, numGroups);
        const sizes = groupSizes(ids, numGroups);
        expect(offsets[numGroups]).toBe(raw.length);
        for (let g = 0; g < numGroups; g++) {
          const rows = Array.from(indices.subarray(offsets[g], offsets[g + 1]));
          expect(rows).toEqual(raw.flatMap((x, i) => (x === g ? [i] : [])));
          expect(sizes[g]).toBe(rows.length);
        }
      }),
    );
  });
});
