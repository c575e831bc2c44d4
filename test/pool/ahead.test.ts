import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/exec/plan.js';
import { createExecutorPool, ThreadDiedError, UdfTimeoutError } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// A costly batch (over a millisecond on a thread) is sent ahead: queued on a thread behind the one
// task of its own bundle running there, so that the thread goes on to it without a round trip
// through the calling thread — which may be busy, or waiting for a core. Never behind another
// bundle's task; and a crash or timeout under it fails only that bundle, as it would anyway.
const COSTLY = fileURLToPath(new URL('../fixtures/pool/costly.mjs', import.meta.url));
const slowExitPlan: Plan = {
  calls: [
    {
      udf: {
        module: COSTLY,
        export: 'slowExitOn13',
        kind: 'vectorized',
        inputTypes: ['DOUBLE', 'DOUBLE'],
        resultType: 'DOUBLE',
      },
      args: [{ column: 0 }, { column: 1 }],
    },
  ],
};

/** Blocks the calling thread (what a busy event loop, or no free core, does to the pool). */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the pool's replies wait
  }
}

describe('executor pool: costly batches sent ahead', () => {
  const queueWait = (pool: ReturnType<typeof createExecutorPool>) => pool.stats().totals.queueWaitMs;

  it('the thread goes on to the next batch of its bundle while the calling thread is blocked', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0 });
    try {
      const plan = fixturePlan('slowIdentity', 2);
      const run = (v: number, ms: number, group: string) =>
        pool.run('slow', plan, element(filled(4, v), filled(4, ms)), 'arrow', group);
      await Promise.all([1, 2, 3].map((v) => run(v, 5, 'warm'))); // its cost is known: ~5 ms
      const before = queueWait(pool);
      const outs = [run(10, 40, 'b'), run(11, 40, 'b'), run(12, 40, 'b')];
      blockFor(150);
      expect((await Promise.all(outs)).map((o) => resultColumn(o)[0])).toEqual([10, 11, 12]);
      // Sent ahead, the second batch starts at ~40 ms, the third once the pool runs again (~150):
      // ~190 ms of waiting in all; without it the second would wait for 150 ms too (~340).
      expect(queueWait(pool) - before).toBeLessThan(270);
    } finally {
      await pool.close();
    }
  });

  it('never behind a batch of another bundle', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0 });
    try {
      const plan = fixturePlan('slowIdentity', 2);
      const run = (v: number, ms: number, group: string) =>
        pool.run('slow', plan, element(filled(4, v), filled(4, ms)), 'arrow', group);
      await Promise.all([1, 2, 3].map((v) => run(v, 5, 'warm')));
      const a = run(20, 30, 'a');
      const waitBefore = queueWait(pool);
      const b = run(21, 5, 'b');
      blockFor(120);
      await Promise.all([a, b]);
      // b was posted only when the pool ran again, after the block: it waited 120 ms or more.
      expect(queueWait(pool) - waitBefore).toBeGreaterThanOrEqual(110);
    } finally {
      await pool.close();
    }
  });

  it('a crash under a batch fails the one queued behind it (same bundle), not another bundle', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0, maxQueue: 16 });
    try {
      const run = (v: number, ms: number, group: string) =>
        pool.run('x', slowExitPlan, element(filled(4, v), filled(4, ms)), 'arrow', group);
      await Promise.all([1, 2, 3].map((v) => run(v, 5, 'warm')));
      // a0 runs; a1 (13: exits) is sent ahead behind it, then a2 behind a1; b waits its turn.
      const a = [run(1, 20, 'a'), run(13, 20, 'a'), run(3, 20, 'a')];
      const b = [run(21, 5, 'b'), run(22, 5, 'b')];
      const ra = await Promise.allSettled(a);
      expect(ra.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
      for (const r of ra.slice(1))
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ThreadDiedError);
      expect((await Promise.all(b)).map((o) => resultColumn(o)[0])).toEqual([21, 22]);
      expect(pool.stats().threadDeaths).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a timeout under a batch fails the one queued behind it, saying why; the next bundle runs', async () => {
    const pool = createExecutorPool({ threads: 1, udfTimeoutMs: 300, maxQueue: 16 });
    try {
      const plan = fixturePlan('slowIdentity', 2);
      const run = (v: number, ms: number, group: string) =>
        pool.run('slow', plan, element(filled(4, v), filled(4, ms)), 'arrow', group);
      await Promise.all([1, 2, 3].map((v) => run(v, 5, 'warm')));
      const a = [run(1, 60_000, 'a'), run(2, 5, 'a')];
      const b = run(3, 5, 'b');
      const ra = await Promise.allSettled(a);
      expect((ra[0] as PromiseRejectedResult).reason).toBeInstanceOf(UdfTimeoutError);
      const behind = (ra[1] as PromiseRejectedResult).reason;
      expect(behind).toBeInstanceOf(ThreadDiedError);
      expect(behind.message).toMatch(/ran past the timeout/);
      expect(resultColumn(await b)[0]).toBe(3);
    } finally {
      await pool.close();
    }
  });
});
