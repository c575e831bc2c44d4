import { describe, expect, it } from 'vitest';
import { createExecutorPool, PoolClosedError } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

const slow = (v: number, ms: number) => element(filled(2, v), filled(2, ms));

describe('executor pool: close', () => {
  for (const threads of [1, 0]) {
    it(`lets admitted tasks finish, refuses waiting and later ones (threads: ${threads})`, async () => {
      const pool = createExecutorPool({ threads, maxQueue: 0, asyncConcurrency: 1 });
      const plan = fixturePlan('slowIdentity', 2);
      await pool.run('s', plan, slow(0, 0)); // threads up and the plan loaded
      const running = pool.run('s', plan, slow(1, 100));
      const waiting = pool.run('s', plan, slow(2, 0));
      expect(pool.stats().waiting).toBe(1);
      const closed = pool.close();
      await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
      expect(resultColumn(await running)).toEqual([1, 1]);
      await closed;
      await expect(pool.run('s', plan, slow(3, 0))).rejects.toBeInstanceOf(PoolClosedError);
    });
  }

  it('force: a running batch fails at once with PoolClosedError, its thread is stopped', async () => {
    const pool = createExecutorPool({ threads: 1 });
    const plan = fixturePlan('slowIdentity', 2);
    await pool.run('s', plan, slow(0, 0));
    const running = pool.run('s', plan, slow(1, 5_000));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await pool.close({ force: true });
    await expect(running).rejects.toBeInstanceOf(PoolClosedError);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('force on the main thread: an async batch stops being waited for', async () => {
    const pool = createExecutorPool({ threads: 0 });
    const plan = fixturePlan('plusAfterSleep', 3);
    const running = pool.run('s', plan, element(filled(2, 1), filled(2, 1), filled(2, 5_000)));
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await pool.close({ force: true });
    await expect(running).rejects.toBeInstanceOf(PoolClosedError);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
