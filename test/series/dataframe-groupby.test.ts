import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AggSpec, DataFrame } from '../../src/series/dataframe.js';
import type { AggName } from '../../src/series/group-agg.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';

interface Row {
  k: string | null;
  j: number | null;
  v: number | null;
  w: number | null;
}

const rowArb = fc.record({
  k: fc.option(fc.constantFrom('a', 'b', 'é', '日本', ''), { nil: null }),
  j: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  v: fc.option(fc.double({ min: -100, max: 100, noNaN: true }), { nil: null }),
  w: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
});

function frame(rows: Row[]): DataFrame {
  return DataFrame.fromSeries(
    { k: rows.map((r) => r.k), j: rows.map((r) => r.j), v: rows.map((r) => r.v), w: rows.map((r) => r.w) },
    { types: { k: T.STRING(), j: T.INT(), v: T.DOUBLE(), w: T.INT() } },
  );
}

/** Naive reference: groups in first-appearance order, SQL-style aggregates skipping nulls. */
function naiveAgg(rows: Row[], keys: (keyof Row)[], col: keyof Row, op: AggName) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = JSON.stringify(keys.map((k) => r[k]));
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  return [...groups.values()].map((g) => {
    const xs = g.map((r) => r[col]).filter((x): x is number => x !== null) as number[];
    const out: Record<string, unknown> = Object.fromEntries(keys.map((k) => [k, g[0]![k]]));
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
    const isInt = col === 'w' || col === 'j';
    const ops: Record<AggName, unknown> = {
      count: BigInt(xs.length),
      sum:
        xs.length === 0
          ? null
          : isInt
            ? BigInt(xs.reduce((a, x) => a + x, 0))
            : xs.reduce((a, x) => a + x, 0),
      mean: xs.length === 0 ? null : mean,
      min: xs.length === 0 ? null : Math.min(...xs),
      max: xs.length === 0 ? null : Math.max(...xs),
      var: xs.length < 2 ? null : variance,
      std: xs.length < 2 ? null : Math.sqrt(variance),
    };
    out.r = ops[op];
    out.n = g.length;
    return out;
  });
}

function approx(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  return a === b;
}

describe('groupBy(…).agg', () => {
  it('matches a naive reference for every built-in aggregation, one or two keys', () => {
    const ops: AggName[] = ['sum', 'mean', 'count', 'min', 'max', 'var', 'std'];
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 60 }),
        fc.constantFrom<(keyof Row)[]>(['k'], ['k', 'j'], ['j']),
        fc.constantFrom<keyof Row>('v', 'w'),
        fc.constantFrom(...ops),
        (rows, keys, col, op) => {
          const got = frame(rows)
            .groupBy(...keys)
            .agg({ r: [col, op], n: (g) => g.length })
            .toObjects();
          const want = naiveAgg(rows, keys, col, op);
          expect(got.length).toBe(want.length);
          got.forEach((g, i) => {
            for (const k of keys) expect(g[k]).toEqual(want[i]![k]);
            expect(g.n).toBe(want[i]!.n);
            if (!approx(g.r, want[i]!.r)) expect(g.r).toEqual(want[i]!.r);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('puts keys first, in first-appearance order, null keys in a group of their own', () => {
    const df = frame([
      { k: 'b', j: 1, v: 1, w: 1 },
      { k: null, j: 1, v: 2, w: 2 },
      { k: 'a', j: 1, v: 3, w: 3 },
      { k: 'b', j: 1, v: 4, w: 4 },
      { k: null, j: 1, v: null, w: 5 },
    ]);
    const out = df.groupBy('k').agg({ total: ['v', 'sum'], n: ['v', 'count'], top: ['w', 'max'] });
    expect(out.columns).toEqual(['k', 'total', 'n', 'top']);
    expect(out.schema.map((c) => typeToString(c.type).replace(' NOT NULL', ''))).toEqual([
      'STRING',
      'DOUBLE',
      'BIGINT',
      'INT',
    ]);
    expect(out.toObjects()).toEqual([
      { k: 'b', total: 5, n: 2n, top: 4 },
      { k: null, total: 2, n: 1n, top: 5 },
      { k: 'a', total: 3, n: 1n, top: 3 },
    ]);
  });

  it('agrees with a function aggregate built from Series methods', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 50 }), (rows) => {
        const out = frame(rows)
          .groupBy('k')
          .agg({
            builtin: ['v', 'mean'],
            viaSeries: (g) => (g.col('v').count() === 0 ? null : g.col('v').mean()),
            minViaSeries: { fn: (g) => g.col('w').min(), type: T.INT() },
            minBuiltin: ['w', 'min'],
          })
          .toObjects();
        for (const r of out) {
          if (!approx(r.builtin, r.viaSeries)) expect(r.builtin).toEqual(r.viaSeries);
          expect(r.minBuiltin).toEqual(r.minViaSeries);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('aggregates types without a grouped kernel through Series (string min/max, decimal sum)', () => {
    const df = DataFrame.fromSeries(
      { k: ['x', 'y', 'x', 'x'], s: ['pear', 'fig', null, 'apple'], d: ['1.10', '2.00', '3.05', null] },
      { types: { k: T.STRING(), s: T.STRING(), d: T.DECIMAL(10, 2) } },
    );
    const out = df
      .groupBy('k')
      .agg({ lo: ['s', 'min'], hi: ['s', 'max'], n: ['s', 'count'], total: ['d', 'sum'] });
    expect(out.toObjects()).toEqual([
      { k: 'x', lo: 'apple', hi: 'pear', n: 2n, total: '4.15' },
      { k: 'y', lo: 'fig', hi: 'fig', n: 1n, total: '2.00' },
    ]);
    expect(typeToString(out.col('total').type)).toBe('DECIMAL(38, 2)');
  });

  it('reports bad specs clearly', () => {
    const df = frame([{ k: 'a', j: 1, v: 1, w: 1 }]);
    expect(() => df.groupBy('nope')).toThrow(/no column 'nope'/);
    expect(() => df.groupBy('k').agg({ r: ['v', 'median' as AggName] })).toThrow(
      /unknown aggregation 'median'/,
    );
    expect(() => df.groupBy('k').agg({ k: ['v', 'sum'] })).toThrow(/output column 'k' is also a key/);
    expect(() => df.groupBy('k').agg({ r: (async () => 1) as AggSpec as (g: DataFrame) => unknown })).toThrow(
      /returned a Promise/,
    );
    expect(() => df.groupBy('k').agg({ r: (g) => g.col('v') })).toThrow(/one value per group/);
  });

  it('keeps declared types of keys and of min/max results (VARCHAR(n), TIMESTAMP_LTZ)', () => {
    const df = DataFrame.fromSeries(
      { k: ['a', 'b', 'a'], t: [5, 1, 3] },
      { types: { k: T.VARCHAR(4, false), t: T.TIMESTAMP_LTZ(3) } },
    );
    const out = df.groupBy('k').agg({ first: ['t', 'min'], last: ['t', 'max'], n: ['t', 'count'] });
    expect(out.schema.map((c) => typeToString(c.type))).toEqual([
      'VARCHAR(4) NOT NULL',
      'TIMESTAMP_LTZ(3)',
      'TIMESTAMP_LTZ(3)',
      'BIGINT NOT NULL',
    ]);
    expect(out.toObjects()).toEqual([
      { k: 'a', first: 3, last: 5, n: 2n },
      { k: 'b', first: 1, last: 1, n: 1n },
    ]);
    // a gather with -1 makes nulls: the NOT NULL type becomes nullable
    expect(typeToString(df.take(Int32Array.of(-1, 0)).col('k').type)).toBe('VARCHAR(4)');
  });

  it('keeps output columns in spec order after the keys, integer-like names included', () => {
    const out = frame([{ k: 'a', j: 1, v: 1, w: 1 }])
      .groupBy('k', 'j')
      .agg({ z: ['v', 'sum'], '1': ['w', 'max'] });
    // the spec's own key order, as JS gives it ('1' before 'z'), after the keys
    expect(out.columns).toEqual(['k', 'j', '1', 'z']);
  });

  it('builds a frame from a list of Series by their names', () => {
    const df = DataFrame.fromColumns([
      Series.from([1, 2], { name: '2' }),
      Series.from(['a', 'b'], { name: 'a' }),
    ]);
    expect(df.columns).toEqual(['2', 'a']);
    expect(() =>
      DataFrame.fromColumns([Series.from([1], { name: 'x' }), Series.from([2], { name: 'x' })]),
    ).toThrow(/two columns named 'x'/);
  });

  it('converts an empty column with no chunks', () => {
    const df = DataFrame.fromTable(
      new arrow.Table(new arrow.Schema([new arrow.Field('s', new arrow.Utf8(), true)])),
    );
    expect(df.length).toBe(0);
    const rb = df.toRecordBatch();
    expect(rb.numRows).toBe(0);
    expect(arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(rb))).numRows).toBe(0);
  });

  it('handles an empty frame', () => {
    const out = frame([])
      .groupBy('k')
      .agg({ n: ['v', 'count'], m: ['v', 'mean'] });
    expect(out.length).toBe(0);
    expect(out.columns).toEqual(['k', 'n', 'm']);
  });
});
