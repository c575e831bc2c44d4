import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/pool/admission.js';

describe('Admission', () => {
  it('admits up to maxTasks, then saturates; release admits waiters in order', async () => {
    const a = new Admission(2, 1e9);
    expect(a.acquire(1)).toBeUndefined();
    expect(a.saturated).toBe(false);
    expect(a.acquire(1)).toBeUndefined();
    expect(a.saturated).toBe(true);
    const order: number[] = [];
    const w1 = a.acquire(1)!.then(() => order.push(1));
    const w2 = a.acquire(1)!.then(() => order.push(2));
    expect(a.waiting).toBe(2);
    let ready = false;
    const r = a.whenReady().then(() => (ready = true));
    a.release(1);
    await w1;
    expect(order).toEqual([1]);
    expect(ready).toBe(false); // still a waiter, still full
    a.release(1);
    await w2;
    expect(order).toEqual([1, 2]);
    a.release(1);
    await r;
    expect(ready).toBe(true);
  });

  it('bounds bytes, but always admits one task when nothing runs', () => {
    const a = new Admission(10, 100);
    expect(a.acquire(500)).toBeUndefined(); // too big, but alone: admitted
    expect(a.saturated).toBe(true);
    expect(a.acquire(1)).toBeInstanceOf(Promise);
  });

  it('refuseWaiting rejects waiters and frees whenReady callers', async () => {
    const a = new Admission(1, 100);
    a.acquire(1);
    const w = a.acquire(1)!;
    const r = a.whenReady();
    a.refuseWaiting(new Error('closed'));
    await expect(w).rejects.toThrow('closed');
    await expect(r).resolves.toBeUndefined();
  });

  it('never admits more than maxTasks at once, under any acquire/release interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
        async (max, ops) => {
          const a = new Admission(max, 1e9);
          let running = 0;
          let peak = 0;
          let admitted = 0;
          let asked = 0;
          const started: Promise<void>[] = [];
          for (const acquire of ops) {
            if (acquire) {
              asked++;
              const w = a.acquire(1);
              const go = () => {
                running++;
                admitted++;
                peak = Math.max(peak, running);
              };
              if (w) started.push(w.then(go));
              else go();
            } else if (running > 0) {
              running--;
              a.release(1);
            }
            await Promise.resolve();
          }
          while (running > 0) {
            running--;
            a.release(1);
            await Promise.resolve();
            await Promise.resolve();
          }
          await Promise.all(started);
          expect(peak).toBeLessThanOrEqual(max);
          expect(admitted).toBe(asked);
        },
      ),
      { numRuns: 50 },
    );
  });
});
