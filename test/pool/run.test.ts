import { afterAll, describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

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
});
