import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// A costly plan's waiting batches are shared out one per task over every thread: the first thread
// to free up must not take the bundle's whole tail while the other one goes idle (the end-to-end
// 2-vs-1-thread speed-up of a CPU-heavy UDF hangs on this). Cheap batches are still packed.
describe('executor pool: sharing a bundle out over the threads', () => {
  it('a bundle of costly batches keeps both threads busy to its end', async () => {
    const pool = createExecutorPool({ threads: 2, cheapBatchMs: 0 });
    try {
      const plan = fixturePlan('slowIdentity', 2);
      const run = (v: number, ms: number, group: string) =>
        pool.run('slow', plan, element(filled(10, v), filled(10, ms)), 'arrow', group);
      // Warm: both threads have the plan and its cost is known (~8 ms a batch).
      await Promise.all([1, 2, 3, 4].map((v) => run(v, 8, 'warm')));
      const before = new Map(pool.stats().perThread.map((t) => [t.threadId, t.batches]));
      const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => run(100 + i, 8, 'bundle')));
      outs.forEach((o, i) => {
        expect(resultColumn(o)[0]).toBe(100 + i);
      });
      const per = pool.stats().perThread.map((t) => t.batches - (before.get(t.threadId) ?? 0));
      expect(per.reduce((a, b) => a + b, 0)).toBe(12);
      // One each per task: 6 and 6, give or take one when a thread was slowed down.
      expect(per.length).toBe(2);
      expect(Math.min(...per)).toBeGreaterThanOrEqual(5);
    } finally {
      await pool.close();
    }
  });

  it('cheap batches that wait are still packed, several to a task', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0, maxQueue: 64 });
    try {
      const plan = fixturePlan('plus', 2);
      const run = (v: number, group: string) =>
        pool.run('plus', plan, element(filled(4, v), filled(4, 1)), 'arrow', group);
      for (let k = 0; k < 4; k++) await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((v) => run(v, `warm${k}`)));
      const tasksBefore = pool.stats().perThread[0]!.tasks;
      const outs = await Promise.all(Array.from({ length: 40 }, (_, i) => run(i, 'bundle')));
      outs.forEach((o, i) => {
        expect(resultColumn(o)[0]).toBe(i + 1);
      });
      // 40 batches, far fewer tasks (the first goes alone while the rest wait).
      expect(pool.stats().perThread[0]!.tasks - tasksBefore).toBeLessThan(20);
    } finally {
      await pool.close();
    }
  });
});
