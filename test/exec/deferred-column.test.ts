import type * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrowFrameEncoder } from '../../src/codec/arrow-frame.js';
import { isDeferredColumn } from '../../src/codec/ipc-writer.js';
import { makeBatch, type ResultColumns } from '../../src/exec/batch.js';
import { UdfError } from '../../src/exec/errors.js';
import { type CompiledPlan, compilePlan } from '../../src/exec/plan.js';
import { evaluateVectorized, evaluateVectorizedColumns } from '../../src/exec/vectorized.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { pendingFusedExpr, Series } from '../../src/series/series.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { vectorizedUdf } from '../../src/udf/define.js';
import { batchOfChildren } from '../../src/util/record-batch.js';
import { valuesOf } from './support/batches.js';

type Num = number | null;

/** A batch of columns `a` and `b` of `type`, each a slice starting at row `offset` of a longer column. */
function slicedBatch(
  a: readonly Num[],
  b: readonly Num[],
  offset: number,
  type: DataType,
): arrow.RecordBatch {
  const n = a.length;
  const column = (values: readonly Num[]) => {
    const builder = createColumnBuilder(type, n + offset + 3);
    for (let i = 0; i < offset; i++) builder.append(i % 3 === 0 ? null : i);
    for (const v of values) builder.append(v);
    // valid rows after the slice: their bits past its end are set, and must not leak into the result
    for (let i = 0; i < 3; i++) builder.append(i);
    return builder.finish();
  };
  const full = makeBatch(
    [
      { name: 'a', type, vector: column(a) },
      { name: 'b', type, vector: column(b) },
    ],
    n + offset + 3,
  );
  return batchOfChildren(
    full.schema,
    full.data.children.map((d) => d.slice(offset, n)),
    n,
  );
}

const plan = (fn: (a: Series, b: Series) => unknown, resultType: DataType = T.DOUBLE()): CompiledPlan =>
  compilePlan({
    calls: [
      {
        udf: vectorizedUdf(fn as (a: Series, b: Series) => Series, {
          name: 'f',
          inputTypes: [T.DOUBLE(), T.DOUBLE()],
          resultType,
        }),
        args: [{ column: 0 }, { column: 1 }],
      },
    ],
  });

/**
 * The element of the materialized result (evaluateVectorized, then encoded) and the element of the
 * deferred one written at `shift` bytes into a fresh buffer (the values view is aligned or not
 * depending on the shift).
 */
function bothWays(p: CompiledPlan, batch: arrow.RecordBatch, shift: number) {
  const materialized = evaluateVectorized(p, batch) as arrow.RecordBatch;
  const expected = new ArrowFrameEncoder(materialized.schema).encode(materialized);
  const cols = evaluateVectorizedColumns(p, batch) as ResultColumns;
  const el = new ArrowFrameEncoder(cols.schema).planColumns(cols.columns, cols.numRows);
  const buf = new Uint8Array(el.size + 16);
  const end = el.write(buf, shift);
  return { expected, got: buf.subarray(shift, end), deferred: cols.columns.some(isDeferredColumn) };
}

const num = fc.oneof(fc.constant(null), fc.double({ min: -1e6, max: 1e6, noNaN: true }));

describe('lazy float results written straight into the element', () => {
  const exprs: [string, (a: Series, b: Series) => Series][] = [
    ['a + b', (a, b) => a.add(b)],
    ['a * 2 + b', (a, b) => a.mul(2).add(b)],
    ['-a (one input)', (a) => a.neg()],
    ['(a - b) / (a + 1)', (a, b) => a.sub(b).div(a.add(1))],
  ];
  for (const [name, fn] of exprs) {
    it(`gives the same bytes as the materialized result: ${name}, nulls, any offset, aligned or not (fast-check)`, () => {
      const p = plan(fn);
      fc.assert(
        fc.property(
          fc
            .integer({ min: 0, max: 300 })
            .chain((n) =>
              fc.tuple(
                fc.array(num, { minLength: n, maxLength: n }),
                fc.array(num, { minLength: n, maxLength: n }),
                fc.integer({ min: 0, max: 19 }),
                fc.integer({ min: 0, max: 7 }),
              ),
            ),
          ([a, b, offset, shift]) => {
            const r = bothWays(p, slicedBatch(a, b, offset, T.DOUBLE()), shift);
            expect(r.deferred).toBe(true);
            expect(Buffer.from(r.got).equals(Buffer.from(r.expected))).toBe(true);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('does the same for FLOAT (float32) columns', () => {
    const p = compilePlan({
      calls: [
        {
          udf: vectorizedUdf((a: Series, b: Series) => a.mul(3).sub(b), {
            name: 'g',
            inputTypes: [T.FLOAT(), T.FLOAT()],
            resultType: T.FLOAT(),
          }),
          args: [{ column: 0 }, { column: 1 }],
        },
      ],
    });
    const a = [1.5, null, 3, 4.25, -2, null, 7];
    const b = [0.5, 2, null, 1, 1, null, 0];
    for (const shift of [0, 1, 2, 3, 4]) {
      const r = bothWays(p, slicedBatch(a, b, 5, T.FLOAT()), shift);
      expect(r.deferred).toBe(true);
      expect(Buffer.from(r.got).equals(Buffer.from(r.expected))).toBe(true);
    }
  });

  it('leaves the Series the UDF returned lazy, and correct when it is read afterwards', () => {
    let kept: Series | undefined;
    const p = plan((a, b) => {
      kept = a.add(b);
      return kept;
    });
    const batch = slicedBatch([1, null, 3], [10, 20, null], 2, T.DOUBLE());
    const cols = evaluateVectorizedColumns(p, batch) as ResultColumns;
    const el = new ArrowFrameEncoder(cols.schema).planColumns(cols.columns, cols.numRows);
    el.write(new Uint8Array(el.size), 0);
    expect(pendingFusedExpr(kept)).not.toBeNull(); // not evaluated by the writer
    expect(kept!.toArray()).toEqual([11, null, null]);
    expect(pendingFusedExpr(kept)).toBeNull();
  });

  it("counts the computation in the call's UDF time when it happens, at the write", () => {
    const p = plan((a, b) => a.mul(2).add(b));
    const n = 200_000;
    const values = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i));
    const batch = slicedBatch(values, values, 0, T.DOUBLE());
    const metrics = p.calls[0]!.metrics;
    const cols = evaluateVectorizedColumns(p, batch) as ResultColumns;
    expect(cols.columns.some(isDeferredColumn)).toBe(true);
    const el = new ArrowFrameEncoder(cols.schema).planColumns(cols.columns, cols.numRows);
    const before = metrics.ms;
    const t0 = performance.now();
    el.write(new Uint8Array(el.size), 0);
    const writeMs = performance.now() - t0;
    // the fused loop over 200k rows is most of the write; the rest is the validity and headers
    expect(metrics.ms - before).toBeGreaterThan(0);
    expect(metrics.ms - before).toBeLessThanOrEqual(writeMs);
    expect(metrics.batches).toBe(1);
    expect(metrics.rows).toBe(n);
  });

  it("is not used over a UDF's own array, which its next call may refill before the write", () => {
    // a UDF that reuses one scratch array across calls: its result is computed when it returns
    const scratch = new Float64Array(3);
    const reuse = plan((a) => {
      for (let i = 0; i < 3; i++) scratch[i] = (a.get(i) as number | null) ?? 0;
      return Series.from(scratch).mul(2);
    });
    const first = evaluateVectorizedColumns(
      reuse,
      slicedBatch([1, 2, 3], [0, 0, 0], 0, T.DOUBLE()),
    ) as ResultColumns;
    const second = evaluateVectorizedColumns(
      reuse,
      slicedBatch([7, 8, 9], [0, 0, 0], 0, T.DOUBLE()),
    ) as ResultColumns;
    expect(first.columns.some(isDeferredColumn)).toBe(false);
    const b = batchOfChildren(first.schema, first.columns as arrow.Data[], 3);
    expect(valuesOf(b, 0)).toEqual([2, 4, 6]); // not 14, 16, 18
    expect(second.columns.some(isDeferredColumn)).toBe(false);
  });

  it('is used with constant arguments (read-only columns of the plan)', () => {
    const p = compilePlan({
      calls: [
        {
          udf: vectorizedUdf((a: Series, c: Series) => a.mul(c), {
            name: 'scale',
            inputTypes: [T.DOUBLE(), T.DOUBLE()],
            resultType: T.DOUBLE(),
          }),
          args: [{ column: 0 }, { constant: 2.5, type: T.DOUBLE() }],
        },
      ],
    });
    const r = bothWays(p, slicedBatch([1, null, 4], [0, 0, 0], 3, T.DOUBLE()), 0);
    expect(r.deferred).toBe(true);
    expect(Buffer.from(r.got).equals(Buffer.from(r.expected))).toBe(true);
  });

  it('is not used for a result of another type, which is checked and converted as before', () => {
    // a float64 expression for a FLOAT result: materialized and cast (values fit float32 exactly)
    const p = plan((a, b) => a.add(b), T.FLOAT());
    const batch = slicedBatch([1, 2], [0.5, null], 0, T.DOUBLE());
    const cols = evaluateVectorizedColumns(p, batch) as ResultColumns;
    expect(cols.columns.some(isDeferredColumn)).toBe(false);
    const out = makeBatch(
      [
        {
          name: 'f0',
          type: T.FLOAT(),
          vector: (evaluateVectorized(p, batch) as arrow.RecordBatch).getChildAt(0)!,
        },
      ],
      2,
    );
    expect(valuesOf(out, 0)).toEqual([1.5, null]);
  });

  it('checks a NOT NULL result and the length as the materialized path does', () => {
    const notNull = plan((a, b) => a.add(b), T.DOUBLE(false));
    const batch = slicedBatch([1, null, 3], [1, 2, 3], 1, T.DOUBLE());
    const messageOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UdfError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    const lazy = messageOf(() => evaluateVectorizedColumns(notNull, batch));
    expect(lazy).toBe(messageOf(() => evaluateVectorized(notNull, batch)));
    expect(lazy).toMatch(/1 null\(s\) where DOUBLE NOT NULL allows none/);
    // all valid: deferred
    const ok = evaluateVectorizedColumns(
      notNull,
      slicedBatch([1, 2], [3, 4], 3, T.DOUBLE()),
    ) as ResultColumns;
    expect(ok.columns.some(isDeferredColumn)).toBe(true);
  });
});
