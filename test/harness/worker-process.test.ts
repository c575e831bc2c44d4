/**
 * The worker as a real separate process, `node dist/src/cli/main.js worker`, started as Flink's
 * PROCESS environment starts it (only --id and --provision_endpoint, TABLE_LOCAL_TIME_ZONE in the
 * environment), and through `vecudf worker-pool` (EXTERNAL environment) serving two runners.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPoolServer } from '../../src/harness/worker-pool.js';
import { BeamFnExternalWorkerPoolClient, LogEntry_Severity_Enum } from '../../src/proto/fn-api.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { builtCli } from './built-cli.js';
import { FakeRunner } from './fake-runner.js';
import { arrowElement, arrowOutput, descriptor, f64, INPUT, OUTPUT } from './flink-fixtures.js';

const AB = [
  { name: 'a', type: T.DOUBLE() },
  { name: 'b', type: T.DOUBLE() },
];
const OUT = [{ name: 'f0', type: T.DOUBLE() }];
const udf = (name: string, args = [{ offset: 0 }]) => ({
  export: name,
  kind: 'vectorized',
  resultType: 'DOUBLE',
  args,
});

let cli: string[];
beforeAll(() => {
  cli = builtCli();
}, 240_000);

function setUp(r: FakeRunner) {
  r.descriptors.set(
    'plus',
    descriptor({
      id: 'plus',
      dataUrl: r.url,
      udfs: [udf('plus', [{ offset: 0 }, { offset: 1 }])],
      input: AB,
      output: OUT,
    }),
  );
  r.descriptors.set(
    'chatty',
    descriptor({ id: 'chatty', dataUrl: r.url, udfs: [udf('chatty')], input: AB, output: OUT }),
  );
  r.descriptors.set(
    'unlucky',
    descriptor({ id: 'unlucky', dataUrl: r.url, udfs: [udf('unlucky')], input: AB, output: OUT }),
  );
}

async function bundle(r: FakeRunner, descriptorId: string, a: number[], b: number[]) {
  const id = r.newId();
  const resp = r.instruct(
    { processBundle: { processBundleDescriptorId: descriptorId, cacheTokens: [] } },
    id,
  );
  await r.sendData([
    {
      instructionId: id,
      transformId: INPUT,
      parts: [arrowElement(AB, { a: f64(a), b: f64(b) })],
      isLast: true,
    },
  ]);
  const res = await resp;
  return {
    id,
    res,
    out: res.error ? [] : arrowOutput(await r.output(id, OUTPUT)).flatMap((x) => [...x.getChildAt(0)!]),
  };
}

describe('vecudf worker as a process (PROCESS environment)', () => {
  let runner: FakeRunner;
  let child: ChildProcess;
  let exit: Promise<number | null>;
  let stderr = '';

  beforeAll(async () => {
    runner = await FakeRunner.start();
    runner.pipelineOptions = { threads: 1 };
    setUp(runner);
    child = spawn(cli[0]!, [...cli.slice(1), 'worker', '--id=1-1', `--provision_endpoint=${runner.url}`], {
      env: { ...process.env, TABLE_LOCAL_TIME_ZONE: 'Asia/Shanghai' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    exit = new Promise((r) => child.on('exit', (code) => r(code)));
    await Promise.race([
      runner.connected(),
      exit.then((c) => {
        throw new Error(`worker exited with ${c}: ${stderr}`);
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    child.kill('SIGKILL');
    await runner.close();
  });

  it('asks Provision for its endpoints with worker_id, pulls the descriptor, runs the bundle', async () => {
    expect(runner.workerIds.provision).toEqual(['1-1']);
    const { res, out } = await bundle(runner, 'plus', [1, 2], [3, 4]);
    expect(res.error).toBe('');
    expect(out).toEqual([4, 6]);
    expect(runner.descriptorPulls).toContain('plus');
    expect(runner.workerIds.control).toEqual(['1-1']);
    expect(runner.workerIds.data).toEqual(['1-1']);
  });

  it('logs its start (with the session time zone) and the UDF console output with the instruction id', async () => {
    await runner.waitForLog((e) => e.message.includes('TABLE_LOCAL_TIME_ZONE=Asia/Shanghai'));
    const { id, res } = await bundle(runner, 'chatty', [1, 2, 3], [0, 0, 0]);
    expect(res.error).toBe('');
    const said = await runner.waitForLog((e) => e.message.includes('chatty saw 3 rows'));
    expect(said.instructionId).toBe(id);
    expect(said.severity).toBe(LogEntry_Severity_Enum.INFO);
    const warned = await runner.waitForLog((e) => e.message.includes('chatty warns'));
    expect(warned.instructionId).toBe(id);
  });

  it('fails a bundle with the UDF error and keeps serving', async () => {
    const bad = await bundle(runner, 'unlucky', [13], [0]);
    expect(bad.res.error).toContain("UDF 'unlucky'");
    expect(bad.res.error).toContain(`bundle ${bad.id}`);
    expect(bad.res.error).toContain('row 0 of the bundle');
    const logged = await runner.waitForLog(
      (e) => e.severity === LogEntry_Severity_Enum.ERROR && e.instructionId === bad.id,
    );
    expect(logged.message).toContain('13 is unlucky');
    const good = await bundle(runner, 'plus', [1], [1]);
    expect(good.out).toEqual([2]);
  });

  it('exits cleanly when the runner closes the control stream', async () => {
    runner.endControl();
    expect(await exit).toBe(0);
  });
});

describe('vecudf worker-pool (EXTERNAL environment)', () => {
  it('starts workers for two runners and stops them', async () => {
    const pool = await WorkerPoolServer.start({ command: cli, onOutput: () => {} });
    const runners = [await FakeRunner.start(), await FakeRunner.start()];
    const client = new BeamFnExternalWorkerPoolClient(pool.url, grpc.credentials.createInsecure());
    const call = <T>(fn: (cb: (e: grpc.ServiceError | null, r: T) => void) => void) =>
      new Promise<T>((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));
    try {
      for (const [k, r] of runners.entries()) {
        setUp(r);
        const resp = await call<{ error: string }>((cb) =>
          client.startWorker(
            {
              workerId: `ext-${k}`,
              controlEndpoint: { url: r.url },
              loggingEndpoint: { url: r.url },
              params: { TABLE_LOCAL_TIME_ZONE: 'UTC' },
            },
            cb,
          ),
        );
        expect(resp.error).toBe('');
      }
      const dup = await call<{ error: string }>((cb) =>
        client.startWorker({ workerId: 'ext-0', controlEndpoint: { url: runners[0]!.url }, params: {} }, cb),
      );
      expect(dup.error).toMatch(/already running/);
      await Promise.all(runners.map((r) => r.connected()));
      const results = await Promise.all(runners.map((r, k) => bundle(r, 'plus', [k], [10])));
      expect(results.map((x) => x.out)).toEqual([[10], [11]]);
      expect(runners.map((r) => r.workerIds.control)).toEqual([['ext-0'], ['ext-1']]);
      expect(pool.workerIds.sort()).toEqual(['ext-0', 'ext-1']);
      for (const id of ['ext-0', 'ext-1']) {
        expect((await call<{ error: string }>((cb) => client.stopWorker({ workerId: id }, cb))).error).toBe(
          '',
        );
      }
      expect(pool.workerIds).toEqual([]);
    } finally {
      client.close();
      await pool.close();
      for (const r of runners) await r.close();
    }
  }, 60_000);
});
