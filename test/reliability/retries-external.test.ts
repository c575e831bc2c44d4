/**
 * EXTERNAL environment with `retries`: the worker that `vecudf worker-pool` started for a runner
 * is killed (SIGKILL) mid-run; the runner asks the pool for a new worker, re-sends the lost
 * bundles, and the output has every row once, in order. The pool stays up and ends with no child.
 */
import type { ChildProcess } from 'node:child_process';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { Runner } from '../../src/runner/runner.js';
import { childrenOf, column, goneWithin, numbered, planOf, startPool, until } from './process-support.js';

let pool: ChildProcess | undefined;
afterAll(() => {
  if (pool && pool.exitCode === null) pool.kill('SIGKILL');
});

describe('a pool worker killed mid-run, with retries: 1', () => {
  it('gets replaced by a new worker from the pool; every row once, in order', async () => {
    const p = await startPool();
    pool = p.child;
    const runner = await Runner.start({
      environment: { type: 'external', address: p.address },
      threads: 1,
      retries: 1,
    });
    try {
      const firstId = runner.workerId;
      const out: RecordBatch[] = [];
      let killed: number | undefined;
      for await (const b of runner.run(numbered(20_000, 5_000), {
        plan: planOf('slow'),
        columns: ['x'],
        arrowBatchSize: 1_000,
        bundleSize: 5_000,
        maxBundlesInFlight: 3,
      })) {
        if (killed === undefined) {
          const workers = childrenOf(pool.pid!);
          expect(workers).toHaveLength(1);
          killed = workers[0]!;
          process.kill(killed, 'SIGKILL');
        }
        out.push(b);
      }
      const i = column(out, 'i');
      const r = column(out, 'result');
      expect(i).toEqual(Array.from({ length: 20_000 }, (_, k) => k));
      expect(r).toEqual(Array.from({ length: 20_000 }, (_, k) => k / 2));
      expect(runner.workerId).toBe(`${firstId}-r1`);
      await goneWithin(killed!, 5_000);
      expect(p.output()).toContain(`[worker ${firstId}] exited with SIGKILL`);
    } finally {
      await runner.close();
    }
    expect(pool.exitCode).toBeNull();
    await until(
      () => childrenOf(pool!.pid!).length === 0,
      10_000,
      'the pool stops the closed runner’s worker',
    );
  });
});
