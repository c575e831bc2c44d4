import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutorPool, OrderedResults } from '../../src/pool/index.js';
import { element, filled, fixturePlan, resultColumn } from './support.js';

// Several bundles at once, each batch with its own random delay: results come back out of order
// (two threads, async batches sharing a thread, a bundle's waiting batches packed into one task)
// and must be written back in input order.
describe('executor pool: order under random per-batch delays', () => {
  const pools = { threads: createExecutorPool({ threads: 2 }), main: createExecutorPool({ threads: 0 }) };
  afterAll(() => Promise.all(Object.values(pools).map((p) => p.close())));

  const cases = [
    ['threads', 'plusAfterSpin'],
    ['threads', 'plusAfterSleep'],
    ['main', 'plusAfterSleep'],
  ] as const;
  for (const [which, udf] of cases) {
    it(`${udf} on ${which}: every bundle's results in input order`, async () => {
      const pool = pools[which];
      const plan = fixturePlan(udf, 3);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }), {
            minLength: 1,
            maxLength: 3,
          }),
          async (bundles) => {
            const runs = bundles.map(async (delays, b) => {
              const got: number[] = [];
              const out = new OrderedResults<Uint8Array>((bytes) => got.push(resultColumn(bytes)[0]!));
              delays.forEach((d, i) => {
                out.add(
                  pool.run(
                    udf,
                    plan,
                    element(filled(3, b * 100 + i), filled(3, 0), filled(3, d)),
                    'arrow',
                    `bundle ${b}`,
                  ),
                );
              });
              await out.done();
              expect(got).toEqual(delays.map((_, i) => b * 100 + i));
            });
            await Promise.all(runs);
          },
        ),
        { numRuns: 8 },
      );
    });
  }
});
