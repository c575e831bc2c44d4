import { describe, expect, it } from 'vitest';
import { createExecutorPool, OrderedResults, ThreadDiedError } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// How the threaded pool places work: a bundle's waiting batches go to a thread together (one task),
// a crash under such a task fails only that bundle, and adaptive dispatch runs a plan whose batches
// are cheaper than the thread hop on the calling thread (stats: thread id 0), a costly one on the
// threads, and never moves a plan off the threads when a timeout is set.
describe('executor pool: dispatch', () => {
  const onMain = (pool: ReturnType<typeof createExecutorPool>) =>
    pool.stats().perThread.find((t) => t.threadId === 0)?.batches ?? 0;

  it('a cheap plan moves to the calling thread after its first batches; results stay right', async () => {
    const pool = createExecutorPool({ threads: 2 });
    try {
      const plan = fixturePlan('plus', 2);
      for (let i = 0; i < 400; i++) {
        const out = await pool.run('plus', plan, element(filled(100, i), filled(100, 1)));
        expect(resultColumn(out)[99]).toBe(i + 1);
      }
      expect(onMain(pool)).toBeGreaterThan(0);
      expect(pool.stats().totals.batches).toBe(400);
      expect(pool.udfMetrics('plus')[0]?.batches).toBe(400); // UDF metrics counted wherever it ran
    } finally {
      await pool.close();
    }
  });

  it('a plan slower than cheapBatchMs stays on the threads', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0.25 });
    try {
      const plan = fixturePlan('slowIdentity', 2);
      for (let i = 0; i < 12; i++) await pool.run('slow', plan, element(filled(10, i), filled(10, 2)));
      expect(onMain(pool)).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('with a timeout (or cheapBatchMs: 0) every batch runs on a thread, however cheap', async () => {
    for (const opts of [{ udfTimeoutMs: 10_000 }, { cheapBatchMs: 0 }]) {
      const pool = createExecutorPool({ threads: 1, ...opts });
      try {
        const plan = fixturePlan('plus', 2);
        for (let i = 0; i < 20; i++) await pool.run('plus', plan, element(filled(10, i), filled(10, 1)));
        expect(onMain(pool)).toBe(0);
      } finally {
        await pool.close();
      }
    }
  });

  it("a bundle's waiting batches run together; a crash under them fails that bundle, not the other", async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0, maxQueue: 64 });
    try {
      const plan = fixturePlan('exitOn13', 1);
      const bundle = (name: string, values: number[]) => {
        const got: number[] = [];
        const out = new OrderedResults<Uint8Array>((b) => got.push(resultColumn(b)[0]!));
        for (const v of values) out.add(pool.run('exit', plan, element(filled(4, v)), 'arrow', name));
        return out.done().then(() => got);
      };
      // Batches are packed by their measured cost: a few first, so that these are known as cheap.
      await bundle('warm', [1, 2, 3, 4, 5, 6, 7, 8]);
      // The thread is busy with the first batch of "a" while the rest of both bundles wait.
      const a = bundle('a', [1, 2, 3, 13, 5, 6]);
      const b = bundle('b', [21, 22, 23, 24]);
      const [ra, rb] = await Promise.allSettled([a, b]);
      expect(ra.status).toBe('rejected');
      expect((ra as PromiseRejectedResult).reason).toBeInstanceOf(ThreadDiedError);
      expect((ra as PromiseRejectedResult).reason.message).toMatch(/batches of one bundle/);
      expect(rb).toEqual({ status: 'fulfilled', value: [21, 22, 23, 24] });
      expect(pool.stats().threadDeaths).toBe(1);
      // The replacement thread gets the plan again (it was sent to the dead one only).
      expect(resultColumn(await pool.run('exit', plan, element(filled(4, 7)), 'arrow', 'c'))).toEqual([
        7, 7, 7, 7,
      ]);
    } finally {
      await pool.close();
    }
  });
});
