import { compilePlan, DataFrame, runRowWise, runVectorized, DataTypes as T, type Udf } from 'vecudf';
import { describe, expect, it } from 'vitest';
import { isVideo, mbPerSecondRow } from '../../examples/guide/scalar.js';
import { mbPerSecond } from '../../examples/quickstart/speed.js';

// A small batch, built the way the UDFs will see it: Arrow columns of the declared types.
const batch = DataFrame.fromSeries(
  {
    uri: ['/video/a1/seg-1.ts', '/api/v1/items/7', null],
    response_size: BigInt64Array.of(1_800_000n, 2_000n, 5n),
    request_time: BigInt64Array.of(600n, 40n, 0n),
  },
  { types: { uri: T.STRING() } },
).toRecordBatch();

/** Runs one UDF over columns of the batch with the in-process executors; returns its values. */
async function run(udf: Udf, ...columns: number[]): Promise<unknown[]> {
  const plan = compilePlan({ calls: [{ udf, args: columns.map((column) => ({ column })) }] });
  const out = udf.kind === 'row' ? await runRowWise(plan, batch) : await runVectorized(plan, batch);
  return DataFrame.fromRecordBatch(out).col('f0').toArray();
}

describe('my UDFs', () => {
  it('flags video segments and keeps nulls', async () => {
    expect(await run(isVideo, 0)).toEqual([true, false, null]);
  });

  it('gives the same speeds vectorized and row-wise (null for a time of 0)', async () => {
    expect(await run(mbPerSecond, 1, 2)).toEqual([3, 0.05, null]);
    expect(await run(mbPerSecondRow, 1, 2)).toEqual([3, 0.05, null]);
  });
});
