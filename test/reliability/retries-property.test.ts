/**
 * Retries as a property: whatever the batch and bundle sizes, the bundles in flight and the
 * moments the workers go away (0 to 3 losses, each at a random time), a run with enough `retries`
 * yields every row exactly once, in input order. The workers are the scripted Fn API worker
 * (test/helpers/echo-worker.ts, identity over real gRPC), so many runs fit in seconds; a loss
 * closes its streams, as a worker process dying does.
 */
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkerHandle } from '../../src/runner/process-worker.js';
import { Runner } from '../../src/runner/runner.js';
import { type EchoWorker, startEchoWorker } from '../helpers/echo-worker.js';
import { column, numbered } from './process-support.js';

const UDFS = new URL('../helpers/udfs.ts', import.meta.url).pathname;

describe('retries', () => {
  it('every row once, in order, however often and whenever the worker goes away', async () => {
    let replaced = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 12_000 }),
          batch: fc.integer({ min: 100, max: 3_000 }),
          bundle: fc.integer({ min: 100, max: 6_000 }),
          inFlight: fc.integer({ min: 1, max: 4 }),
          delay: fc.integer({ min: 5, max: 30 }),
          losses: fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 3 }),
        }),
        async ({ rows, batch, bundle, inFlight, delay, losses }) => {
          let current: EchoWorker | undefined;
          let started = 0;
          const runner = await Runner.start({
            retries: losses.length,
            environment: {
              type: 'custom',
              async start(servers, id): Promise<WorkerHandle> {
                const connection = servers.expectWorker(id);
                const echo = await startEchoWorker(servers, id, { delayMs: () => delay });
                current = echo;
                started++;
                await connection.ready;
                return {
                  id,
                  connection,
                  async close() {
                    connection.close();
                    echo.close();
                  },
                };
              },
            },
          });
          const timers = losses.map((ms) => setTimeout(() => current?.close(), ms));
          try {
            const out: RecordBatch[] = [];
            for await (const b of runner.run(numbered(rows, 5_000), {
              plan: { calls: [{ udf: { module: UDFS, export: 'identity' }, args: [{ column: 0 }] }] },
              columns: ['x'],
              arrowBatchSize: batch,
              bundleSize: bundle,
              maxBundlesInFlight: inFlight,
              warmUp: false,
            })) {
              out.push(b);
            }
            const i = column(out, 'i');
            const r = column(out, 'result');
            expect(i.length).toBe(rows);
            for (let k = 0; k < rows; k++) {
              if (i[k] !== k || r[k] !== k / 4) throw new Error(`row ${k}: i=${i[k]} result=${r[k]}`);
            }
            expect(started).toBeLessThanOrEqual(1 + losses.length);
            if (started > 1) replaced++;
          } finally {
            for (const t of timers) clearTimeout(t);
            await runner.close();
          }
        },
      ),
      { numRuns: 25 },
    );
    // the property is only worth something if workers did go away mid-run in many of the runs
    expect(replaced).toBeGreaterThanOrEqual(5);
  });
});
