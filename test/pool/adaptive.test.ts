import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// Adaptive dispatch sends a plan on the calling thread back to the threads only when it has grown
// slow for good — two windows of 16 batches in a row — not for one burst of slow batches (a busy
// machine, a cold start after a pause).
describe('executor pool: a cheap plan grown slow', () => {
  const onThreads = (pool: ReturnType<typeof createExecutorPool>) =>
    pool
      .stats()
      .perThread.filter((t) => t.threadId !== 0)
      .reduce((n, t) => n + t.batches, 0);
  const plan = fixturePlan('plusAfterSpin', 3);
  const run = (pool: ReturnType<typeof createExecutorPool>, i: number, spinMs: number) =>
    pool.run('p', plan, element(filled(100, i), filled(100, 1), filled(100, spinMs)));

  it('stays on the calling thread through one slow window', async () => {
    const pool = createExecutorPool({ threads: 1 });
    try {
      for (let i = 0; i < 60; i++) await run(pool, i, 0); // learned cheap by now
      const before = onThreads(pool);
      // 31 batches of 3 ms (above 4 × cheapBatchMs) between cheap ones: wherever the windows of 16
      // start, exactly one of them is all slow.
      for (let i = 0; i < 31; i++) await run(pool, i, 3);
      for (let i = 0; i < 40; i++) expect(resultColumn(await run(pool, i, 0))[0]).toBe(i + 1);
      expect(onThreads(pool)).toBe(before);
    } finally {
      await pool.close();
    }
  });

  it('goes back to the threads once its batches stay slow', async () => {
    const pool = createExecutorPool({ threads: 1 });
    try {
      for (let i = 0; i < 60; i++) await run(pool, i, 0);
      const before = onThreads(pool);
      for (let i = 0; i < 64; i++) expect(resultColumn(await run(pool, i, 3))[0]).toBe(i + 1);
      expect(onThreads(pool)).toBeGreaterThan(before);
    } finally {
      await pool.close();
    }
  });
});
