import { describe, expect, it } from 'vitest';
import { createExecutorPool, OrderedResults } from '../../src/pool/index.js';
import { element, filled, fixturePlan } from './support.js';

// A slow UDF (5 ms a batch) and a producer that could make all 120 batches at once: the pool's
// queued bytes stay bounded because the producer waits whenever the pool is saturated.
describe('executor pool: backpressure', () => {
  for (const threads of [2, 0]) {
    it(`a fast producer against a slow UDF keeps queued bytes bounded (threads: ${threads})`, async () => {
      const maxQueue = 4;
      const pool = createExecutorPool({ threads, maxQueue, asyncConcurrency: 1 });
      const plan = fixturePlan('slowIdentity', 2);
      const one = element(filled(1000, 1), filled(1000, 5)).byteLength;
      let peakBytes = 0;
      let peakInFlight = 0;
      let pauses = 0;
      const out = new OrderedResults<Uint8Array>(() => {});
      for (let i = 0; i < 120; i++) {
        if (pool.saturated) {
          pauses++;
          await pool.whenReady();
        }
        out.add(pool.run('slow', plan, element(filled(1000, i), filled(1000, 1))));
        const s = pool.stats();
        peakBytes = Math.max(peakBytes, s.queuedBytes);
        peakInFlight = Math.max(peakInFlight, s.inFlight + s.waiting);
      }
      await out.done();
      await pool.close();
      const capacity = Math.max(1, threads) + (threads === 0 ? 0 : maxQueue);
      expect(pauses).toBeGreaterThan(50); // the producer really was held back
      expect(peakInFlight).toBeLessThanOrEqual(capacity);
      expect(peakBytes).toBeLessThanOrEqual(capacity * one);
    });
  }

  it('run() itself waits when the caller ignores saturation: nothing beyond capacity reaches the threads', async () => {
    const pool = createExecutorPool({ threads: 1, maxQueue: 2, asyncConcurrency: 1 });
    const plan = fixturePlan('slowIdentity', 2);
    const runs = Array.from({ length: 20 }, (_, i) =>
      pool.run('slow', plan, element(filled(10, i), filled(10, 2))),
    );
    const s = pool.stats();
    expect(s.inFlight).toBe(3); // 1 running + 2 queued
    expect(s.waiting).toBe(17);
    expect(s.saturated).toBe(true);
    await Promise.all(runs);
    expect(pool.stats()).toMatchObject({ inFlight: 0, waiting: 0, saturated: false, completed: 20 });
    await pool.close();
  });
});
