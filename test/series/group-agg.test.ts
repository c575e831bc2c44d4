import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AGG_NAMES, type AggName, groupedAggregate, hasGroupedKernel } from '../../src/series/group-agg.js';
import { groupRows } from '../../src/series/group-by.js';
import { Series } from '../../src/series/series.js';
import { layout, toVector } from './column-arbitraries.js';

/** Naive per-group aggregate over values read with apache-arrow's getters (null = skipped). */
function naive(values: unknown[], ids: number[], numGroups: number, op: AggName): unknown[] {
  const groups: unknown[][] = Array.from({ length: numGroups }, () => []);
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) groups[ids[i]!]!.push(v);
  });
  return groups.map((xs) => {
    if (op === 'count') return BigInt(xs.length);
    if (xs.length === 0) return null;
    if (typeof xs[0] === 'bigint') {
      const b = xs as bigint[];
      if (op === 'sum') return b.reduce((a, x) => a + x, 0n);
      // Math.min/max do not take bigints: sort instead
      const sorted = [...b].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
      if (op === 'min') return sorted[0];
      if (op === 'max') return sorted[sorted.length - 1];
      return naiveMoments(b.map(Number), op);
    }
    const n = xs as number[];
    if (op === 'sum') return n.reduce((a, x) => a + x, 0);
    if (op === 'min') return Math.min(...n);
    if (op === 'max') return Math.max(...n);
    return naiveMoments(n, op);
  });
}

function naiveMoments(xs: number[], op: AggName): number | null {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  if (op === 'mean') return mean;
  if (xs.length < 2) return null;
  const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return op === 'std' ? Math.sqrt(v) : v;
}

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  return a === b;
}

const numericColumn = fc.oneof(
  fc.constant({
    type: new arrow.Int8() as arrow.DataType,
    v: fc.integer({ min: -128, max: 127 }) as fc.Arbitrary<unknown>,
  }),
  fc.constant({ type: new arrow.Int32(), v: fc.integer() }),
  fc.constant({ type: new arrow.Uint32(), v: fc.nat({ max: 0xffffffff }) }),
  fc.constant({ type: new arrow.Float64(), v: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }),
  fc.constant({
    type: new arrow.Float32(),
    v: fc.float({ min: -1000, max: 1000, noNaN: true }).map(Math.fround),
  }),
  fc.constant({ type: new arrow.Int64(), v: fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }) }),
  fc.constant({
    type: new arrow.DateDay(),
    v: fc.integer({ min: -1000, max: 30000 }).map((d) => new Date(d * 864e5)),
  }),
  fc.constant({ type: new arrow.TimestampMillisecond(), v: fc.integer({ min: 0, max: 2e12 }) }),
);

const aggCase = numericColumn.chain(({ type, v }) =>
  fc
    .array(fc.option(v, { nil: null, freq: 5 }), { maxLength: 60 })
    .chain((values) =>
      fc.tuple(
        fc.constant(type),
        fc.constant(values),
        layout(values.length),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: values.length, maxLength: values.length }),
        fc.constantFrom(...AGG_NAMES),
      ),
    ),
);

describe('groupedAggregate', () => {
  it('matches a naive per-group reference (nulls skipped, chunked and sliced columns)', () => {
    fc.assert(
      fc.property(aggCase, ([type, values, lay, keys, op]) => {
        const v = toVector({ kind: String(type), type, values }, lay);
        if (!hasGroupedKernel(v, op)) return;
        const g = groupRows([arrow.vectorFromArray(Int32Array.from(keys))]);
        const out = groupedAggregate(v, op, g.groupIds, g.numGroups);
        const want = naive([...v], Array.from(g.groupIds), g.numGroups, op);
        expect(out.length).toBe(g.numGroups);
        const got = [...out];
        for (let k = 0; k < want.length; k++) {
          if (!close(got[k] ?? null, want[k])) expect(got[k]).toEqual(want[k]);
        }
        if (op === 'min' || op === 'max') expect(String(out.type)).toBe(String(v.type));
      }),
      { numRuns: 500 },
    );
  });

  it('sums 32-bit integers exactly beyond 2^53 and 64-bit ones to the last unit', () => {
    const n = 3000;
    const ints = arrow.vectorFromArray(new Int32Array(n).fill(2 ** 31 - 1));
    const ids = new Int32Array(n);
    expect(groupedAggregate(ints, 'sum', ids, 1).get(0)).toBe(BigInt(n) * (2n ** 31n - 1n));
    const big = arrow.vectorFromArray([2n ** 62n, 2n ** 62n - 1n, -5n, 2n ** 53n + 1n], new arrow.Int64());
    expect(groupedAggregate(big, 'sum', Int32Array.of(0, 0, 1, 1), 2).toArray()).toEqual(
      BigInt64Array.of(2n ** 63n - 1n, 2n ** 53n - 4n),
    );
    const over = arrow.vectorFromArray([2n ** 62n, 2n ** 62n], new arrow.Int64());
    expect(() => groupedAggregate(over, 'sum', Int32Array.of(0, 0), 1)).toThrow(/overflows BIGINT/);
  });

  it('gives null for empty groups, NOT NULL counts, and sample var/std', () => {
    const v = arrow.vectorFromArray([1, null, 3, 5], new arrow.Float64());
    const ids = Int32Array.of(0, 1, 0, 0);
    expect([...groupedAggregate(v, 'sum', ids, 2)]).toEqual([9, null]);
    expect([...groupedAggregate(v, 'count', ids, 2)]).toEqual([3n, 0n]);
    expect(groupedAggregate(v, 'count', ids, 2).nullCount).toBe(0);
    expect([...groupedAggregate(v, 'var', ids, 2)]).toEqual([4, null]);
    expect([...groupedAggregate(v, 'std', ids, 2)]).toEqual([2, null]);
  });

  it('skips NaN in min/max unless a group has nothing else, as Series.min/max do', () => {
    const v = arrow.vectorFromArray([Number.NaN, 3, 1, Number.NaN, null, Number.NaN], new arrow.Float64());
    const ids = Int32Array.of(0, 0, 0, 1, 1, 2);
    const min = [...groupedAggregate(v, 'min', ids, 3)];
    const max = [...groupedAggregate(v, 'max', ids, 3)];
    expect(min.slice(0, 1)).toEqual([1]);
    expect(max.slice(0, 1)).toEqual([3]);
    expect(Number.isNaN(min[1]) && Number.isNaN(min[2]) && Number.isNaN(max[1])).toBe(true);
    // and the same answer as Series on each group
    const s = Series.from(v);
    expect(s.slice(0, 3).min()).toBe(1);
    expect(Number.isNaN(s.slice(3, 5).max() as number)).toBe(true);
  });

  it('has no kernel for strings except count, and says so', () => {
    const s = arrow.vectorFromArray(['a', null], new arrow.Utf8());
    expect(hasGroupedKernel(s, 'count')).toBe(true);
    expect(hasGroupedKernel(s, 'sum')).toBe(false);
    expect(() => groupedAggregate(s, 'max', Int32Array.of(0, 0), 1)).toThrow(
      /no 'max' kernel for Arrow type Utf8/,
    );
  });
});
