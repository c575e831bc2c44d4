import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRowsToColumns, encodeRows } from '../../src/codec/row-coder.js';
import type { Plan } from '../../src/exec/plan.js';
import { createExecutorPool } from '../../src/pool/index.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { element, FIXTURES, filled, fixturePlan, resultColumn } from './support.js';

describe('executor pool: one element through a plan', () => {
  const pools = [createExecutorPool({ threads: 2 }), createExecutorPool({ threads: 0 })];
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  for (const [i, label] of ['2 threads', 'main thread'].entries()) {
    it(`runs the real executor and returns the result element (${label})`, async () => {
      const pool = pools[i]!;
      const a = Float64Array.from({ length: 100 }, (_, k) => k);
      const out = await pool.run('plus', fixturePlan('plus', 2), element(a, filled(100, 0.5)));
      expect(resultColumn(out)).toEqual(Array.from(a, (x) => x + 0.5));
      const s = pool.stats();
      expect(s.totals.batches).toBe(1);
      expect(s.totals.rowsIn).toBe(100);
      expect(s.totals.rowsOut).toBe(100);
      expect(pool.udfMetrics('plus')).toMatchObject([{ udf: 'plus', rows: 100, batches: 1 }]);
    });
  }

  for (const [i, label] of ['2 threads', 'main thread'].entries()) {
    it(`runs row-coded bytes through the row-wise coded executor (${label})`, async () => {
      const pool = pools[i]!;
      const plan: Plan = {
        inputTypes: ['DOUBLE', 'DOUBLE'],
        calls: [
          {
            udf: {
              module: FIXTURES,
              export: 'plusRow',
              kind: 'row',
              inputTypes: ['DOUBLE', 'DOUBLE'],
              resultType: 'DOUBLE',
            },
            args: [{ column: 0 }, { column: 1 }],
          },
        ],
      };
      const a = arrow.vectorFromArray([1, null, 3], new arrow.Float64());
      const b = arrow.vectorFromArray([10, 20, 30], new arrow.Float64());
      const rows = encodeRows([a, b], [T.DOUBLE(), T.DOUBLE()]);
      const out = await pool.run('plusRow', plan, rows, 'row');
      const [col] = decodeRowsToColumns(out, [T.DOUBLE()]);
      expect([col!.get(0), col!.get(1), col!.get(2)]).toEqual([11, null, 33]);
      expect(pool.udfMetrics('plusRow')).toMatchObject([{ udf: 'plusRow', rows: 3, batches: 1 }]);
    });
  }
});
