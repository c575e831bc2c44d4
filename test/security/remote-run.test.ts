/**
 * The whole path with TLS (mutual) and a token: runner → worker process, and runner → worker
 * pool → worker, each worker reaching the runner's Provision, Control, Data and Logging over
 * TLS with the token; the worker refuses a UDF outside its roots; a runner with the wrong token
 * gets no worker from the pool.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPoolServer } from '../../src/harness/worker-pool.js';
import { type Access, loadAccess } from '../../src/proto/access.js';
import { defaultCliCommand } from '../../src/runner/process-worker.js';
import { Runner, type RunSpec } from '../../src/runner/runner.js';
import { makeTestCerts, type TestCerts } from './tls-certs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(root, 'test', 'fixtures', 'udfs');

let certs: TestCerts;
let access: Access;
beforeAll(() => {
  certs = makeTestCerts();
  access = loadAccess(
    { tlsCert: certs.cert, tlsKey: certs.key, tlsCa: certs.ca, tokenFile: certs.tokenFile },
    {},
  );
});
afterAll(() => certs?.cleanup());

const input = () => tableFromArrays({ a: Float64Array.from({ length: 1000 }, (_, i) => i / 4) }).batches;
const doubleSpec: RunSpec = {
  plan: {
    calls: [
      {
        udf: {
          module: join(FIXTURES, 'plain.mjs'),
          export: 'double',
          kind: 'vectorized' as const,
          resultType: 'DOUBLE',
        },
        args: [{ column: 0 }],
      },
    ],
  },
};

async function results(runner: Runner, spec: RunSpec = doubleSpec): Promise<number[]> {
  const out: number[] = [];
  for await (const b of runner.run(input(), spec) as AsyncIterable<RecordBatch>) {
    out.push(...(b.getChild('result')!.toArray() as Float64Array));
  }
  return out;
}

const expected = Array.from({ length: 1000 }, (_, i) => (i / 4) * 2);

describe('runner → worker with TLS and a token', () => {
  it('runs a UDF through a worker process, and the worker refuses one outside its roots', async () => {
    const lines: string[] = [];
    const runner = await Runner.start({
      access,
      udfRoots: [FIXTURES],
      threads: 0,
      environment: { type: 'process', onOutput: (l) => lines.push(l) },
    });
    try {
      expect(await results(runner)).toEqual(expected);
      // A module outside the roots (and outside vecudf's installation): the runner loads it
      // (it is the job's author), the worker refuses it.
      const outsideModule = join(certs.dir, 'outside.mjs');
      writeFileSync(outsideModule, 'export const f = (a) => a;\n');
      const outside: RunSpec = {
        plan: {
          calls: [
            {
              udf: { module: outsideModule, export: 'f', kind: 'vectorized', resultType: 'DOUBLE' },
              args: [{ column: 0 }],
            },
          ],
        },
        warmUp: false,
      };
      await expect(results(runner, outside)).rejects.toThrow(
        /UDF module .*outside\.mjs is outside the allowed directories \(.*fixtures\/udfs\)/,
      );
      // the worker goes on serving
      expect(await results(runner)).toEqual(expected);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nworker output:\n${lines.join('\n')}`);
    } finally {
      await runner.close();
    }
  });

  it('runs through a worker pool; a runner with the wrong token gets no worker', async () => {
    const out: string[] = [];
    const pool = await WorkerPoolServer.start({
      host: '127.0.0.1',
      access,
      command: defaultCliCommand(),
      workerArgs: ['--threads=0', `--udf-root=${FIXTURES}`],
      onOutput: (_id, l) => out.push(l),
    });
    try {
      const address = `localhost:${pool.port}`;
      const runner = await Runner.start({ access, environment: { type: 'external', address } });
      try {
        expect(await results(runner)).toEqual(expected);
      } finally {
        await runner.close();
      }
      const wrong = loadAccess({ ...access.options, tokenFile: undefined, token: `${certs.token}-not` }, {});
      await expect(
        Runner.start({ access: wrong, environment: { type: 'external', address, startTimeoutMs: 5000 } }),
      ).rejects.toThrow(/cannot start worker .* on the pool at .*UNAUTHENTICATED: missing or wrong token/);
      expect(pool.workerIds).toEqual([]);
    } catch (e) {
      throw new Error(`${(e as Error).message}\npool output:\n${out.join('\n')}`);
    } finally {
      await pool.close();
    }
  });
});
