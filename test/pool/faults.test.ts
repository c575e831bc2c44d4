import { afterAll, describe, expect, it } from 'vitest';
import { UdfError } from '../../src/exec/errors.js';
import { createExecutorPool, ThreadDiedError, UdfTimeoutError } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

const ok = (v: number) => element(filled(4, v));
const bad = () => element(filled(4, 13));

describe('executor pool: faults stay with their task', () => {
  const pool = createExecutorPool({ threads: 2, udfTimeoutMs: 300 });
  const main = createExecutorPool({ threads: 0 });
  afterAll(() => Promise.all([pool.close(), main.close()]));

  for (const [label, p] of [
    ['threads', pool],
    ['main thread', main],
  ] as const) {
    it(`a UDF that throws fails its task only, with the executor's UdfError (${label})`, async () => {
      const plan = fixturePlan('throwOn13', 1);
      const results = await Promise.allSettled([
        p.run('t', plan, ok(1)),
        p.run('t', plan, bad()),
        p.run('t', plan, ok(2)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const e = (results[1] as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(UdfError);
      expect(e).toMatchObject({ name: 'UdfError', udfName: 'throwOn13', rowStart: 0, rowEnd: 3 });
      expect(e.message).toContain('thirteen is unlucky');
      expect(e.stack).toContain('udfs.mjs'); // the user's own stack survives the thread hop
    });
  }

  it('process.exit in a UDF: the task fails saying the thread died, the others go on, the thread is replaced', async () => {
    const plan = fixturePlan('exitOn13', 1);
    const before = pool.stats().threadDeaths;
    const runs = [1, 2, 13, 4, 5, 6].map((v) => pool.run('exit', plan, v === 13 ? bad() : ok(v)));
    const results = await Promise.allSettled(runs);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const e = (results[2] as PromiseRejectedResult).reason;
    expect(e).toBeInstanceOf(ThreadDiedError);
    expect(e.message).toMatch(/worker thread \d+ died while running UDF 'exitOn13'.*exited with code 7/);
    expect(resultColumn(await pool.run('exit', plan, ok(9)))).toEqual([9, 9, 9, 9]);
    expect(pool.stats().threadDeaths).toBe(before + 1);
    expect(pool.stats().perThread.filter((t) => t.alive).length).toBeGreaterThanOrEqual(2);
  });

  it('a UDF past udfTimeoutMs: its thread is terminated, the task fails naming the UDF, the pool serves the next', async () => {
    const plan = fixturePlan('spinForeverOn13', 1);
    const t0 = performance.now();
    let failedAfter = 0;
    const spinning = pool.run('spin', plan, bad());
    spinning.catch(() => (failedAfter = performance.now() - t0));
    const [looping, fine] = await Promise.allSettled([spinning, pool.run('spin', plan, ok(3))]);
    expect(failedAfter).toBeGreaterThanOrEqual(300);
    expect(failedAfter).toBeLessThan(3000);
    expect(fine.status).toBe('fulfilled');
    const e = (looping as PromiseRejectedResult).reason;
    expect(e).toBeInstanceOf(UdfTimeoutError);
    expect(e.message).toMatch(/UDF 'spinForeverOn13'.*ran past the 300 ms timeout/);
    expect(resultColumn(await pool.run('spin', plan, ok(4)))).toEqual([4, 4, 4, 4]);
    expect(pool.stats().timeouts).toBe(1);
  });

  it('a thread out of memory (resourceLimits) is replaced; its task fails saying so', async () => {
    // small heaps, so that running out of memory is quick
    const small = createExecutorPool({
      threads: 1,
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
    });
    try {
      const plan = fixturePlan('hogOn13', 1);
      const r = await Promise.allSettled([small.run('hog', plan, bad())]);
      const e = (r[0] as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(ThreadDiedError);
      expect(e.message).toMatch(/UDF 'hogOn13'.*out of memory/);
      expect(resultColumn(await small.run('hog', plan, ok(5)))).toEqual([5, 5, 5, 5]);
      expect(small.stats().threadDeaths).toBe(1);
    } finally {
      await small.close();
    }
  });
});
