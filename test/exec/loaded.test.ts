/** UDFs loaded from fixture modules (.mjs plain functions, .js, .ts UDF objects) run through the executors. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAggregate } from '../../src/exec/aggregate.js';
import { loadPlan } from '../../src/exec/plan.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { batchOf, columnsOf } from './support/batches.js';

const baseDir = resolve(import.meta.dirname, '../fixtures/udfs');
const batch = batchOf([
  { name: 'a', type: T.DOUBLE(), values: [1, null, 3] },
  { name: 'b', type: T.DOUBLE(), values: [10, 20, 30] },
  { name: 's', type: T.STRING(), values: ['x', 'video', null] },
]);

describe('loaded UDFs through the executors', () => {
  it('plain vectorized functions get Series (length, get, isValid, values) and may return arrays or typed arrays', async () => {
    const plan = await loadPlan(
      {
        calls: [
          {
            udf: { module: 'plain.mjs', export: 'double', kind: 'vectorized', resultType: 'DOUBLE' },
            args: [{ column: 0 }],
          },
          {
            udf: { module: 'plain.mjs', export: 'plusOneValues', kind: 'vectorized', resultType: 'DOUBLE' },
            args: [{ column: 1 }],
          },
          {
            udf: { module: 'plain.js', export: 'default', kind: 'vectorized', resultType: 'DOUBLE' },
            args: [{ column: 1 }],
          },
        ],
      },
      { baseDir },
    );
    expect(columnsOf(await runVectorized(plan, batch))).toEqual({
      f0: [2, null, 6],
      f1: [11, 21, 31],
      f2: [30, 60, 90],
    });
  });

  it('UDF objects from a .ts module (tsx), async ones included, and plain aggregates', async () => {
    const plan = await loadPlan(
      {
        calls: [
          { udf: { module: 'typed.ts', export: 'plus' }, args: [{ column: 0 }, { column: 1 }] },
          { udf: { module: 'typed.ts', export: 'upperLater' }, args: [{ column: 2 }] },
        ],
      },
      { baseDir },
    );
    expect(columnsOf(await runVectorized(plan, batch))).toEqual({
      f0: [11, null, 33],
      f1: ['X', 'VIDEO', null],
    });
    const agg = await loadPlan(
      {
        calls: [
          {
            udf: { module: 'plain.mjs', export: 'sumAll', kind: 'aggregate', resultType: 'DOUBLE' },
            args: [{ column: 0 }],
          },
          { udf: { module: 'typed.ts', export: 'total' }, args: [{ column: 1 }] },
        ],
      },
      { baseDir },
    );
    expect(columnsOf(await runAggregate(agg, batch))).toEqual({ f0: [4], f1: [60] });
  });
});
