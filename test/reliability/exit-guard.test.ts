/**
 * process.exit in a cheap UDF that adaptive dispatch moved onto the worker's own thread (the
 * default when neither a UDF timeout nor a memory limit is set): the batch must fail, not the
 * worker. Before the guard, a worker process in this situation exited with the UDF's code.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  AB,
  abElement,
  descriptor,
  expectServes,
  FAULTS,
  OUT,
  type Rig,
  runBundle,
  startRig,
} from './support.js';

let rig: Rig;

beforeAll(async () => {
  // a generous threshold, so that the plan moves even on a loaded machine
  rig = await startRig({ pool: { threads: 1, cheapBatchMs: 50 } });
  for (const [id, name, args] of [
    ['plus', 'plus', [{ offset: 0 }, { offset: 1 }]],
    ['exits', 'exitsIfFirst13', [{ offset: 0 }]],
  ] as const) {
    rig.runner.descriptors.set(
      id,
      descriptor({
        id,
        dataUrl: rig.runner.url,
        udfs: [{ module: FAULTS, export: name, kind: 'vectorized', resultType: 'DOUBLE', args: [...args] }],
        input: AB,
        output: OUT,
      }),
    );
  }
});

afterAll(() => rig.close());

it('fails the batch with a clear error when the UDF ran on the worker thread; the worker goes on', async () => {
  const xs = Array.from({ length: 1_000 }, (_, i) => i % 5);
  // warm-up and sampling batches: the plan is cheap, so it moves to the calling thread
  for (let k = 0; k < 40; k++) {
    const r = await runBundle(rig, 'exits', [abElement(xs, xs)]);
    expect(r.res.error).toBe('');
  }
  const onMain = rig.pool!.stats().perThread.find((t) => t.threadId === 0);
  expect(onMain?.batches ?? 0, 'the plan should have moved to the calling thread').toBeGreaterThan(0);
  const bad = xs.map((v, i) => (i === 0 ? 13 : v));
  const r = await runBundle(rig, 'exits', [abElement(xs, xs), abElement(bad, bad)]);
  expect(r.res.error).toMatch(
    /^UDF 'exitsIfFirst13' failed on rows 0–999 of the batch: process\.exit\(3\) was called/,
  );
  expect(r.res.error).toContain('rows 1000–1999 of the bundle');
  expect((await runBundle(rig, 'exits', [abElement(xs, xs)])).res.error).toBe('');
  await expectServes(rig);
});
