import { describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import type { DeferredElement } from '../../src/pool/types.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

/** The IPC payload a deferred element writes (after its varint prefix), checked for size. */
function written(e: DeferredElement): Uint8Array {
  const out = new Uint8Array(e.size + 8);
  const end = e.write(out, 3);
  expect(end).toBe(3 + e.size);
  return out.slice(3 + e.prefix, end);
}

// A result run on the calling thread is handed back unencoded, to be written straight into the
// outgoing message; the bytes it writes must be those `run` would have returned.
describe('executor pool: deferred results', () => {
  it('threads 0: runDeferred writes the element run() returns, prefix included', async () => {
    const pool = createExecutorPool({ threads: 0 });
    try {
      const plan = fixturePlan('plus', 2);
      const input = () => element(filled(1_000, 2), filled(1_000, 0.25));
      const eager = await pool.run('p', plan, input());
      const deferred = await pool.runDeferred!('p', plan, input());
      expect(deferred).not.toBeInstanceOf(Uint8Array);
      const d = deferred as DeferredElement;
      expect(d.size - d.prefix).toBe(eager.byteLength);
      expect(written(d)).toEqual(new Uint8Array(eager));
      expect(resultColumn(written(d))[999]).toBe(2.25);
      // the books count a deferred result like any other
      expect(pool.stats().totals.rowsOut).toBe(2_000);
      expect(pool.udfMetrics('p')).toMatchObject([{ rows: 2_000, batches: 2 }]);
    } finally {
      await pool.close();
    }
  });

  it('threads: bytes while a plan runs on a thread, deferred once it runs on the calling thread', async () => {
    // cheap whatever the machine's load: once learned, the plan stays on the calling thread
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 60_000 });
    try {
      const plan = fixturePlan('plus', 2);
      const run = (v: number) => pool.runDeferred!('q', plan, element(filled(10_000, v), filled(10_000, 1)));
      const first = await run(0);
      expect(first).toBeInstanceOf(Uint8Array); // sampled on the thread first
      expect(resultColumn(first as Uint8Array)[0]).toBe(1);
      let last: Uint8Array | DeferredElement = first;
      for (let i = 1; i <= 100; i++) last = await run(i); // learned cheap: on the calling thread
      expect(last).not.toBeInstanceOf(Uint8Array);
      expect(resultColumn(written(last as DeferredElement))[9_999]).toBe(101);
    } finally {
      await pool.close();
    }
  });

  it('threads: once on the calling thread, an element runs before runDeferred returns', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 60_000 });
    try {
      const plan = fixturePlan('plus', 2);
      const run = (v: number) => pool.runDeferred!('s', plan, element(filled(10_000, v), filled(10_000, 1)));
      for (let i = 0; i < 100; i++) await run(i); // learned cheap
      const before = pool.stats().totals.rowsOut;
      const p = run(7);
      // run and booked already: no chain of awaits per element on the worker's path
      expect(pool.stats().totals.rowsOut).toBe(before + 10_000);
      expect(resultColumn(written((await p) as DeferredElement))[0]).toBe(8);
    } finally {
      await pool.close();
    }
  });

  it('threads: process.exit in a UDF run there fails the element, not the process', async () => {
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 60_000 });
    try {
      const plan = fixturePlan('exitOn13', 1);
      const run = (v: number) => pool.runDeferred!('x', plan, element(filled(4, v)));
      for (let i = 0; i < 100; i++) await run(1); // learned cheap
      const bad = await run(13).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(bad?.message).toMatch(/process\.exit\(.*\) was called on the worker's own thread/);
      // the pool, and this process, go on
      expect(resultColumn(written((await run(5)) as DeferredElement))).toEqual([5, 5, 5, 5]);
    } finally {
      await pool.close();
    }
  });

  it('a failing UDF rejects runDeferred as it rejects run', async () => {
    const pool = createExecutorPool({ threads: 0 });
    try {
      const bad = await pool.runDeferred!(
        't',
        fixturePlan('throwOn13', 1),
        element(Float64Array.of(13, 1, 2)),
      ).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(bad?.message).toMatch(/throwOn13/);
    } finally {
      await pool.close();
    }
  });
});
