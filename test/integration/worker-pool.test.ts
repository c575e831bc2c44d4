/**
 * EXTERNAL environment: one `vecudf worker-pool` process serving two runners at once, each
 * through its own worker (StartWorker / StopWorker), with results equal to in-process runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../src/runner/in-process.js';
import { Runner, type RunSpec } from '../../src/runner/runner.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { columnValues, genBatches } from '../helpers/gen-batches.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const UDFS = join(root, 'test', 'helpers', 'udfs.ts');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

let pool: ChildProcess;
let address: string;
let poolOutput = '';
beforeAll(async () => {
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  pool = spawn(
    process.execPath,
    ['--import', tsx, join(root, 'src', 'cli', 'main.ts'), 'worker-pool', `--port=${port}`],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  pool.stdout!.on('data', (b) => (poolOutput += b));
  pool.stderr!.on('data', (b) => (poolOutput += b));
});
afterAll(() => {
  pool?.kill('SIGKILL');
});

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('a worker pool', () => {
  it('serves two runners at once', async () => {
    const [r1, r2] = await Promise.all([
      Runner.start({ environment: { type: 'external', address } }),
      Runner.start({ environment: { type: 'external', address } }),
    ]);
    try {
      const input = (seed: number) =>
        genBatches({
          rows: 60_000,
          batchRows: 25_000,
          seed,
          columns: [
            { name: 'a', type: T.DOUBLE(), nullRate: 0.1 },
            { name: 'b', type: T.DOUBLE() },
          ],
        });
      const spec = (exp: string): RunSpec => ({
        plan: { calls: [{ udf: { module: UDFS, export: exp }, args: [{ column: 0 }, { column: 1 }] }] },
        arrowBatchSize: 5_000,
        bundleSize: 10_000,
      });
      const [o1, o2] = await Promise.all([
        collect(r1.run(input(1), spec('plus'))),
        collect(r2.run(input(2), spec('plusRow'))),
      ]);
      expect(columnValues(o1, 'result')).toEqual(
        columnValues(await collect(runInProcess(input(1), spec('plus'))), 'result'),
      );
      expect(columnValues(o2, 'result')).toEqual(
        columnValues(await collect(runInProcess(input(2), spec('plus'))), 'result'),
      );
      expect(r1.workerId).not.toBe(r2.workerId);
    } catch (e) {
      throw new Error(`${(e as Error).message}\npool output:\n${poolOutput}`);
    } finally {
      await Promise.all([r1.close(), r2.close()]);
    }
    // the pool outlives its workers: a third runner still gets one
    const r3 = await Runner.start({ environment: { type: 'external', address } });
    try {
      const out = await collect(
        r3.run(
          genBatches({
            rows: 1_000,
            seed: 4,
            columns: [
              { name: 'a', type: T.DOUBLE() },
              { name: 'b', type: T.DOUBLE() },
            ],
          }),
          {
            plan: {
              calls: [{ udf: { module: UDFS, export: 'plus' }, args: [{ column: 0 }, { column: 1 }] }],
            },
          },
        ),
      );
      expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(1_000);
    } finally {
      await r3.close();
    }
  });

  it('reports a pool that cannot be reached', async () => {
    const port = await freePort();
    await expect(
      Runner.start({
        environment: { type: 'external', address: `127.0.0.1:${port}`, startTimeoutMs: 1_000 },
      }),
    ).rejects.toThrow(/cannot start worker .* on the pool at 127\.0\.0\.1:\d+/);
  });
});
