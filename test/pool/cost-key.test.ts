import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// What adaptive dispatch learned of a plan holds for the same plan sent under a new key, as a
// runner does with each job (a new descriptor id): a cheap plan stays on the calling thread from
// the first batch of the next job instead of sending two dozen batches to the threads again.
describe('executor pool: what is learned of a plan outlives its key', () => {
  const onMain = (pool: ReturnType<typeof createExecutorPool>) =>
    pool.stats().perThread.find((t) => t.threadId === 0)?.batches ?? 0;

  it('a cheap plan under a new key runs on the calling thread at once', async () => {
    const pool = createExecutorPool({ threads: 2 });
    try {
      for (let i = 0; i < 200; i++)
        await pool.run('job1/t', fixturePlan('plus', 2), element(filled(100, i), filled(100, 1)));
      expect(onMain(pool)).toBeGreaterThan(0);
      const before = onMain(pool);
      const plan = fixturePlan('plus', 2); // the next job's plan: equal, not the same object
      for (let i = 0; i < 30; i++) {
        const out = await pool.run('job2/t', plan, element(filled(100, i), filled(100, 2)));
        expect(resultColumn(out)[0]).toBe(i + 2);
      }
      expect(onMain(pool) - before).toBe(30);
      expect(pool.udfMetrics('job2/t')[0]?.batches).toBe(30); // metrics stay per key
    } finally {
      await pool.close();
    }
  });

  it('a different plan under a new key is learned afresh', async () => {
    const pool = createExecutorPool({ threads: 1 });
    try {
      for (let i = 0; i < 200; i++)
        await pool.run('a', fixturePlan('plus', 2), element(filled(100, i), filled(100, 1)));
      const before = onMain(pool);
      const slow = fixturePlan('slowIdentity', 2);
      for (let i = 0; i < 5; i++) await pool.run('b', slow, element(filled(10, i), filled(10, 1)));
      expect(onMain(pool)).toBe(before); // its first batches go to the thread, measured
    } finally {
      await pool.close();
    }
  });
});
