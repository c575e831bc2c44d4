import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// An I/O-bound UDF (each batch waits 50 ms on a timer, like a lookup service) runs several
// batches at once on one thread: 16 batches on 1 thread with 8 slots take ~2 waits, not 16.
describe('executor pool: async UDF concurrency', () => {
  const DELAY = 50;
  const N = 16;
  const timeRun = async (asyncConcurrency: number, threads: number) => {
    const pool = createExecutorPool({ threads, asyncConcurrency });
    const plan = fixturePlan('plusAfterSleep', 3);
    const el = (i: number) => element(filled(10, i), filled(10, 1), filled(10, DELAY));
    await pool.run('lookup', plan, el(0)); // load the plan; the thread learns it is I/O-bound
    const t0 = performance.now();
    const outs = await Promise.all(Array.from({ length: N }, (_, i) => pool.run('lookup', plan, el(i))));
    const ms = performance.now() - t0;
    outs.forEach((o, i) => {
      expect(resultColumn(o)[0]).toBe(i + 1);
    });
    await pool.close();
    return ms;
  };

  it('8 concurrent batches per thread finish in about 1/8 of the serial time', async () => {
    const serial = await timeRun(1, 1);
    const concurrent = await timeRun(8, 1);
    expect(serial).toBeGreaterThanOrEqual(N * DELAY);
    expect(concurrent).toBeLessThan(serial / 4); // ideal 1/8; leave room for a loaded machine
  });

  it('the same on the main thread (threads: 0)', async () => {
    const concurrent = await timeRun(8, 0);
    expect(concurrent).toBeLessThan((N * DELAY) / 4);
  });

  it("an idle thread keeps running its event loop: a UDF module's timers go on between batches", async () => {
    const pool = createExecutorPool({ threads: 1 });
    const plan = fixturePlan('timerTicks', 1);
    const first = resultColumn(await pool.run('ticks', plan, element(filled(1, 0))))[0]!;
    await new Promise((r) => setTimeout(r, 300));
    const second = resultColumn(await pool.run('ticks', plan, element(filled(1, 0))))[0]!;
    await pool.close();
    expect(second - first).toBeGreaterThanOrEqual(10); // ~60 ticks of 5 ms in 300 ms (0 if the loop were blocked)
  });
});
