import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAggregate } from '../../src/exec/aggregate.js';
import { UdfError } from '../../src/exec/errors.js';
import { compilePlan } from '../../src/exec/plan.js';
import type { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { udf, vectorizedUdaf } from '../../src/udf/define.js';
import { batchOf, columnsOf } from './support/batches.js';
import { nullable } from './support/values.js';

type N = number | null;

/** Sum and count of valid values by hand (the reference does the same per group). */
function validSum(s: Series): number {
  let t = 0;
  for (let i = 0; i < s.length; i++) if (s.isValid(i)) t += s.get(i) as number;
  return t;
}
const sumUdaf = vectorizedUdaf((x: Series) => validSum(x), { name: 'sum_x', resultType: T.DOUBLE() });
const countUdaf = vectorizedUdaf((x: Series) => x.length - x.nullCount, {
  name: 'n',
  resultType: T.BIGINT(),
});
const weighted = vectorizedUdaf(
  (x: Series, w: Series) => {
    let t = 0;
    for (let i = 0; i < x.length; i++) if (x.isValid(i)) t += (x.get(i) as number) * (w.get(i) as number);
    return t;
  },
  { name: 'weighted', resultType: T.DOUBLE() },
);
const plusOne = udf((a: N) => (a == null ? null : a + 1), {
  name: 'plus_one',
  inputTypes: ['DOUBLE'],
  resultType: 'DOUBLE',
});

describe('runAggregate', () => {
  it('per group equals a naive reference (keys first, groups in first-appearance order)', async () => {
    const plan = compilePlan({
      calls: [
        { udf: sumUdaf, args: [{ column: 1 }] },
        { udf: countUdaf, args: [{ column: 1 }] },
        {
          udf: weighted,
          args: [{ call: { udf: plusOne, args: [{ column: 1 }] } }, { constant: 3, type: 'DOUBLE' }],
        },
      ],
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            nullable(fc.constantFrom('a', 'b', 'c', 'd')),
            nullable(fc.integer({ min: -100, max: 100 })),
          ),
          {
            maxLength: 60,
          },
        ),
        async (rows) => {
          const batch = batchOf([
            { name: 'k', type: T.STRING(), values: rows.map((r) => r[0]) },
            { name: 'x', type: T.DOUBLE(), values: rows.map((r) => r[1]) },
          ]);
          const out = columnsOf(await runAggregate(plan, batch, [0]));
          const groups = new Map<string | null, N[]>();
          for (const [k, x] of rows) {
            if (!groups.has(k)) groups.set(k, []);
            groups.get(k)!.push(x);
          }
          const keys = [...groups.keys()];
          expect(out).toEqual({
            k: keys,
            f0: keys.map((k) => groups.get(k)!.reduce<number>((t, x) => t + (x ?? 0), 0)),
            f1: keys.map((k) => BigInt(groups.get(k)!.filter((x) => x != null).length)),
            f2: keys.map((k) =>
              groups.get(k)!.reduce<number>((t, x) => t + (x == null ? 0 : (x + 1) * 3), 0),
            ),
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('aggregates over everything without keys, one row even for an empty batch', async () => {
    const plan = compilePlan({
      calls: [
        { udf: sumUdaf, args: [{ column: 0 }] },
        { udf: countUdaf, args: [{ column: 0 }] },
      ],
    });
    const batch = batchOf([{ name: 'x', type: T.DOUBLE(), values: [1, null, 2.5] }]);
    expect(columnsOf(await runAggregate(plan, batch))).toEqual({ f0: [3.5], f1: [2n] });
    const empty = batchOf([{ name: 'x', type: T.DOUBLE(), values: [] }]);
    expect(columnsOf(await runAggregate(plan, empty))).toEqual({ f0: [0], f1: [0n] });
    const keyed = batchOf([
      { name: 'k', type: T.INT(), values: [] },
      { name: 'x', type: T.DOUBLE(), values: [] },
    ]);
    expect(
      (await runAggregate(compilePlan({ calls: [{ udf: sumUdaf, args: [{ column: 1 }] }] }), keyed, [0]))
        .numRows,
    ).toBe(0);
  });

  it('groups by several keys, awaits async UDAFs and checks each result', async () => {
    const asyncMax = vectorizedUdaf(
      async (x: Series) => {
        await new Promise((r) => setTimeout(r, 0));
        return x.max();
      },
      { name: 'max_x', resultType: T.DOUBLE() },
    );
    const plan = compilePlan({ calls: [{ udf: asyncMax, args: [{ column: 2 }] }] });
    const batch = batchOf([
      { name: 'a', type: T.INT(), values: [1, 1, 2, 1] },
      { name: 'b', type: T.BOOLEAN(), values: [true, false, true, true] },
      { name: 'x', type: T.DOUBLE(), values: [5, 6, 7, 8] },
    ]);
    expect(columnsOf(await runAggregate(plan, batch, [0, 1]))).toEqual({
      a: [1, 1, 2],
      b: [true, false, true],
      f0: [8, 6, 7],
    });

    const wrong = vectorizedUdaf((x: Series) => (x.length > 1 ? 'many' : 1), {
      name: 'wrong',
      resultType: T.DOUBLE(),
    });
    const err = await runAggregate(
      compilePlan({ calls: [{ udf: wrong, args: [{ column: 2 }] }] }),
      batch,
      [0, 1],
    ).catch((e) => e);
    expect(err).toBeInstanceOf(UdfError);
    expect(err.message).toBe(
      "UDF 'wrong' failed on group 0 of the batch (2 rows, first at row 0): The result of vectorized UDAF 'wrong' does not fit its result type DOUBLE for group 0 of the batch (2 rows, first at row 0): expected DOUBLE, got string 'many'",
    );
    expect([err.rowStart, err.rowEnd]).toEqual([0, 3]);
    const series = vectorizedUdaf((x: Series) => x, { name: 'series', resultType: T.DOUBLE() });
    await expect(
      runAggregate(compilePlan({ calls: [{ udf: series, args: [{ column: 2 }] }] }), batch),
    ).rejects.toThrow("The result of vectorized UDAF 'series' must be one value of DOUBLE, got Series");
  });
});
