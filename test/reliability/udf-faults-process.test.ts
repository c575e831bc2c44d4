/**
 * The worst UDF faults against `vecudf worker` as a real process (the built CLI, as Flink starts
 * it), limits given on its command line: `--udf-timeout-ms` stops a UDF looping forever,
 * `--udf-memory-mb` a UDF exhausting memory, and process.exit in a UDF ends only its thread. Each
 * fails its bundle naming the UDF and the rows; the process stays up and serves the next bundle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, ROOT } from '../harness/built-cli.js';
import { FakeRunner } from '../harness/fake-runner.js';
import {
  AB,
  abElement,
  arrowOutput,
  column0,
  descriptor,
  FAULTS,
  INPUT,
  OUT,
  OUTPUT,
  within,
} from './support.js';

let runner: FakeRunner;
let child: ChildProcess;
let stderr = '';

beforeAll(async () => {
  const cli = builtCli();
  runner = await FakeRunner.start();
  for (const name of ['plus', 'loopsOn13', 'hogsOn13', 'exitsOn13', 'throwsOn13']) {
    runner.descriptors.set(
      name,
      descriptor({
        id: name,
        dataUrl: runner.url,
        udfs: [
          {
            module: FAULTS,
            export: name,
            kind: 'vectorized',
            resultType: 'DOUBLE',
            args: name === 'plus' ? [{ offset: 0 }, { offset: 1 }] : [{ offset: 0 }],
          },
        ],
        input: AB,
        output: OUT,
      }),
    );
  }
  child = spawn(
    cli[0]!,
    [
      ...cli.slice(1),
      'worker',
      '--id=rel-1',
      `--control_endpoint=${runner.url}`,
      `--logging_endpoint=${runner.url}`,
      '--threads=1',
      '--udf-timeout-ms=1500',
      '--udf-memory-mb=64',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (c) => reject(new Error(`worker exited with ${c}: ${stderr}`))),
  );
  await Promise.race([within(runner.connected(), 30_000, 'worker process connecting'), exited]);
}, 240_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await runner?.close();
});

async function bundle(descriptorId: string, a: number[][]) {
  const id = runner.newId();
  const resp = runner.instruct(
    { processBundle: { processBundleDescriptorId: descriptorId, cacheTokens: [] } },
    id,
  );
  await runner.sendData([
    {
      instructionId: id,
      transformId: INPUT,
      parts: a.map((xs) => abElement(xs, xs)),
      isLast: true,
    },
  ]);
  const res = await within(resp, 30_000, `bundle ${id} (${descriptorId})`);
  return { id, res, out: res.error ? [] : column0(arrowOutput(await runner.output(id, OUTPUT))) };
}

describe('vecudf worker (a process) with --udf-timeout-ms and --udf-memory-mb', () => {
  for (const [name, pattern] of [
    ['throwsOn13', /13 is not allowed here/],
    ['loopsOn13', /ran past the 1500 ms timeout \(--udf-timeout-ms\).*terminated and replaced/],
    ['hogsOn13', /died while running UDF 'hogsOn13'.*out of memory/],
    ['exitsOn13', /died while running UDF 'exitsOn13'.*exited with code 3/],
  ] as const) {
    it(`${name}: the bundle fails naming the UDF and the rows, the process serves the next bundle`, async () => {
      const bad = await bundle(name, [[1, 2], [12, 13], [3]]);
      expect(bad.res.error).toMatch(pattern);
      expect(bad.res.error).toContain(`'${name}'`);
      expect(bad.res.error).toContain(`bundle ${bad.id}`);
      expect(bad.res.error).toContain('rows 2–3 of the bundle');
      const again = await bundle(name, [[1, 2], [3]]);
      expect(again.res.error).toBe('');
      expect(again.out).toEqual([1, 2, 3]);
      const plus = await bundle('plus', [[1, 2]]);
      expect(plus.out).toEqual([2, 4]);
      expect(child.exitCode).toBeNull();
    });
  }
});
