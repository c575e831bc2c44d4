import { describe, expect, it } from 'vitest';
import { UdfError } from '../../src/exec/errors.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { udf } from '../../src/udf/define.js';
import { batchOf, columnsOf } from './support/batches.js';

const plusRow = udf((a: number | null, b: number | null) => (a == null || b == null ? null : a + b), {
  name: 'plus',
  inputTypes: [T.DOUBLE(), T.DOUBLE()],
  resultType: T.DOUBLE(),
});
const scaleRow = udf((a: number | null, k: number) => (a == null ? null : a * k), {
  name: 'scale',
  inputTypes: [T.DOUBLE(), T.DOUBLE()],
  resultType: T.DOUBLE(),
});
const upperRow = udf((s: string | null) => (s == null ? null : s.toUpperCase()), {
  name: 'upper',
  inputTypes: [T.STRING()],
  resultType: T.STRING(),
});

const batch = batchOf([
  { name: 'a', type: T.DOUBLE(), values: [1, null, 3, 4.5] },
  { name: 'b', type: T.DOUBLE(), values: [10, 20, null, 0.5] },
  { name: 's', type: T.STRING(), values: ['x', 'ü', null, ''] },
]);

describe('runRowWise', () => {
  it('runs several top-level calls, chained calls and constants, nulls included', async () => {
    const plan = compilePlan({
      calls: [
        { udf: plusRow, args: [{ column: 0 }, { column: 1 }] },
        {
          udf: scaleRow,
          args: [
            { call: { udf: plusRow, args: [{ column: 0 }, { column: 1 }] } },
            { constant: 2, type: 'DOUBLE' },
          ],
          name: 'twice',
        },
        { udf: upperRow, args: [{ column: 2 }] },
      ],
    });
    const out = await runRowWise(plan, batch);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['f0', 'twice', 'f2']);
    expect(columnsOf(out)).toEqual({
      f0: [11, null, null, 5],
      twice: [22, null, null, 10],
      f2: ['X', 'Ü', null, ''],
    });
    expect(plan.metrics.map((m) => [m.output, m.udf, m.rows, m.batches])).toEqual([
      ['f0', 'plus', 4, 1],
      ['twice.arg0', 'plus', 4, 1],
      ['twice', 'scale', 4, 1],
      ['f2', 'upper', 4, 1],
    ]);
  });

  it('awaits async row UDFs, in order', async () => {
    const slow = udf(
      async (a: number | null) => {
        await new Promise((r) => setTimeout(r, a === 1 ? 5 : 0));
        return a == null ? null : a + 1;
      },
      { name: 'slow', inputTypes: ['DOUBLE'], resultType: 'DOUBLE' },
    );
    const nested = compilePlan({
      calls: [
        {
          udf: plusRow,
          args: [{ call: { udf: slow, args: [{ column: 0 }] } }, { constant: 1, type: 'DOUBLE' }],
        },
      ],
    });
    expect(columnsOf(await runRowWise(nested, batch)).f0).toEqual([3, null, 5, 6.5]);
  });

  it('wraps a throwing UDF in UdfError with the row and the original stack', async () => {
    const boom = udf(
      (a: number | null) => {
        if (a === 3) throw new Error('no threes');
        return a;
      },
      { name: 'boom', resultType: 'DOUBLE' },
    );
    const plan = compilePlan({ calls: [{ udf: boom, args: [{ column: 0 }] }] });
    const err = await runRowWise(plan, batch).catch((e) => e);
    expect(err).toBeInstanceOf(UdfError);
    expect(err.message).toBe("UDF 'boom' failed on row 2 of the batch: no threes");
    expect(err.udfName).toBe('boom');
    expect([err.rowStart, err.rowEnd]).toEqual([2, 2]);
    expect(err.stack).toContain('Caused by: Error: no threes');
    expect(err.stack).toContain('row-wise.test.ts');
  });

  it('checks each result against the result type, naming UDF, type, row and value', async () => {
    const bad = udf((a: number | null) => (a === 4.5 ? 'four and a half' : 1), {
      name: 'bad',
      resultType: 'INT',
    });
    const plan = compilePlan({ calls: [{ udf: bad, args: [{ column: 0 }] }] });
    await expect(runRowWise(plan, batch)).rejects.toThrow(
      "UDF 'bad' failed on row 3 of the batch: The result of UDF 'bad' does not fit its result type INT at row 3: expected INT, got string 'four and a half'",
    );
    const big = udf(() => 2 ** 31, { name: 'big', resultType: 'INT' });
    await expect(runRowWise(compilePlan({ calls: [{ udf: big, args: [] }] }), batch)).rejects.toThrow(
      'does not fit its result type INT at row 0: value 2147483648 out of range for INT',
    );
  });

  it('refuses vectorized UDFs and non-scalar plans with a pointer to the right executor', async () => {
    const { vectorizedUdf, vectorizedUdaf } = await import('../../src/udf/define.js');
    const v = vectorizedUdf((a) => a, { name: 'v', resultType: 'DOUBLE' });
    await expect(
      runRowWise(compilePlan({ calls: [{ udf: v, args: [{ column: 0 }] }] }), batch),
    ).rejects.toThrow(
      "UDF 'v' is vectorized: the row-wise executors run row UDFs (made with udf()); run it with runVectorized",
    );
    const agg = vectorizedUdaf((a) => a.length, { name: 'n', resultType: 'INT' });
    await expect(
      runRowWise(compilePlan({ calls: [{ udf: agg, args: [{ column: 0 }] }] }), batch),
    ).rejects.toThrow('runRowWise runs scalar plans; this plan is aggregate');
  });
});
