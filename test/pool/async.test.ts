import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// An I/O-bound UDF (each batch waits 50 ms on a timer, like a lookup service) runs several
// batches at once on one thread, up to the limit. What is asserted is the concurrency the UDF
// itself observed (how many of its calls were running at once), which a loaded machine does not
// change; the wall-clock time is only compared with the serial run of the same batches.
describe('executor pool: async UDF concurrency', () => {
  const DELAY = 50;
  const N = 16;
  const run = async (asyncConcurrency: number, threads: number) => {
    const pool = createExecutorPool({ threads, asyncConcurrency });
    try {
      const plan = fixturePlan('inFlightAfterSleep', 2);
      const el = () => element(filled(4, 0), filled(4, DELAY));
      await pool.run('lookup', plan, el()); // load the plan; the thread learns it is I/O-bound
      const t0 = performance.now();
      const outs = await Promise.all(Array.from({ length: N }, () => pool.run('lookup', plan, el())));
      const ms = performance.now() - t0;
      const peak = Math.max(...outs.map((o) => resultColumn(o)[0]!));
      return { ms, peak };
    } finally {
      await pool.close();
    }
  };

  it('8 concurrent batches per thread, never more; faster than one at a time', async () => {
    const serial = await run(1, 1);
    const concurrent = await run(8, 1);
    expect(serial.peak).toBe(1);
    expect(serial.ms).toBeGreaterThanOrEqual(N * DELAY);
    expect(concurrent.peak).toBeLessThanOrEqual(8);
    expect(concurrent.peak).toBeGreaterThanOrEqual(4); // 8 unless the machine stalls for a whole wait
    expect(concurrent.ms).toBeLessThan(serial.ms / 2); // ideal 1/8
  });

  it('the same on the main thread (threads: 0)', async () => {
    const serial = await run(1, 0);
    const concurrent = await run(8, 0);
    expect(serial.peak).toBe(1);
    expect(concurrent.peak).toBeLessThanOrEqual(8);
    expect(concurrent.peak).toBeGreaterThanOrEqual(4);
    expect(concurrent.ms).toBeLessThan(serial.ms / 2);
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
