import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// Results encoded on the calling thread (a cheap plan) go into reusable buffers, handed back by
// `recycle` once the caller is done with them, as the threads-0 pool does.
describe('executor pool: recycled result buffers', () => {
  it('a result buffer given back is used again for a later result on the calling thread', async () => {
    // cheap whatever the machine's load: once learned, the plan stays on the calling thread
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 60_000 });
    try {
      const plan = fixturePlan('plus', 2);
      const run = (v: number) => pool.run('p', plan, element(filled(10_000, v), filled(10_000, 1)));
      for (let i = 0; i < 100; i++) await run(i); // learned cheap: on the calling thread now
      const first = await run(1);
      expect(first.buffer.byteLength).toBeGreaterThanOrEqual(80_000);
      const firstBuffer = first.buffer;
      pool.recycle!(first);
      const second = await run(2);
      expect(second.buffer).toBe(firstBuffer);
      expect(resultColumn(second)[9_999]).toBe(3);
    } finally {
      await pool.close();
    }
  });
});
