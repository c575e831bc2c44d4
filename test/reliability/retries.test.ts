/**
 * The worker dies under the runner (SIGKILL of a real `vecudf worker` process while bundles are
 * in flight): without retries the run fails with an error naming the bundle, its rows and the
 * signal, never hangs; with `retries` the runner starts a new worker, re-sends the lost bundles
 * and the output has every row exactly once, in input order.
 */
import type { RecordBatch } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { BundleError } from '../../src/runner/bundle.js';
import { Runner, type RunnerOptions, type RunSpec } from '../../src/runner/runner.js';
import { column, goneWithin, numbered, planOf, until } from './process-support.js';

const runners: Runner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

async function start(opts: RunnerOptions = {}): Promise<Runner> {
  const r = await Runner.start({ threads: 1, ...opts });
  runners.push(r);
  return r;
}

const ROWS = 20_000;
const spec: RunSpec = {
  plan: planOf('slow'),
  columns: ['x'],
  arrowBatchSize: 1_000,
  bundleSize: 5_000,
  bundleTimeMs: 60_000,
  maxBundlesInFlight: 3,
};

/** Runs `spec` over the numbered input, calling `onFirst` when the first output batch arrives. */
async function runKilling(
  runner: Runner,
  onFirst: () => void | Promise<void>,
): Promise<{ out: RecordBatch[]; error: Error | undefined }> {
  const out: RecordBatch[] = [];
  try {
    for await (const b of runner.run(numbered(ROWS, 4_000), spec)) {
      if (out.length === 0) await onFirst();
      out.push(b);
    }
  } catch (e) {
    return { out, error: e as Error };
  }
  return { out, error: undefined };
}

function expectExactlyOnceInOrder(out: RecordBatch[], rows: number): void {
  const i = column(out, 'i');
  const r = column(out, 'result');
  expect(i.length).toBe(rows);
  for (let k = 0; k < rows; k++) {
    if (i[k] !== k || r[k] !== k / 2) {
      throw new Error(`row ${k}: i=${i[k]} result=${r[k]} (expected i=${k} result=${k / 2})`);
    }
  }
}

describe('a worker killed mid-run', () => {
  it('without retries: the run fails naming the bundle, its rows and SIGKILL, and rows before it are intact', async () => {
    const runner = await start();
    const pid = runner.worker.pid!;
    const t0 = performance.now();
    const { out, error } = await runKilling(runner, () => {
      process.kill(pid, 'SIGKILL');
    });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(error).toBeInstanceOf(BundleError);
    expect(error!.message).toMatch(
      /^bundle \d+ \(input rows \d+–\d+\) was in flight and its results are lost: worker \S+ \(pid \d+\) was killed by SIGKILL/,
    );
    // what was emitted before the error is a correct prefix: nothing lost or reordered in it
    const rows = out.reduce((n, b) => n + b.numRows, 0);
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(ROWS);
    expect(column(out, 'i')).toEqual(Array.from({ length: rows }, (_, k) => k));
    await goneWithin(pid, 5_000);
  });

  it('with retries: 1, a new worker gets the lost bundles and the output has every row once, in order; an idle dead worker is replaced at the next run', async () => {
    const runner = await start({ retries: 1 });
    const first = { pid: runner.worker.pid!, id: runner.workerId };
    const { out, error } = await runKilling(runner, () => {
      process.kill(first.pid, 'SIGKILL');
    });
    expect(error).toBeUndefined();
    expectExactlyOnceInOrder(out, ROWS);
    expect(runner.workerId).toBe(`${first.id}-r1`);
    expect(runner.worker.pid).not.toBe(first.pid);
    await goneWithin(first.pid, 5_000);
    // a worker that dies between runs is replaced when the next run starts
    const idle = runner.worker.pid!;
    process.kill(idle, 'SIGKILL');
    await until(
      () => runner.worker.connection.error !== undefined,
      10_000,
      'the runner sees the idle worker die',
    );
    const again: RecordBatch[] = [];
    for await (const b of runner.run(numbered(3_000, 3_000), spec)) again.push(b);
    expect(column(again, 'result')).toEqual(Array.from({ length: 3_000 }, (_, k) => k / 2));
    expect(runner.workerId).toBe(`${first.id}-r2`);
    await goneWithin(idle, 5_000);
  });

  it('with retries: 1, a bundle whose second worker dies too fails, saying no retries are left', async () => {
    const runner = await start({ retries: 1 });
    const first = runner.worker.pid!;
    const { error } = await runKilling(runner, async () => {
      process.kill(first, 'SIGKILL');
      await until(() => runner.worker.pid !== first, 15_000, 'a new worker');
      process.kill(runner.worker.pid!, 'SIGKILL');
    });
    expect(error).toBeInstanceOf(BundleError);
    expect(error!.message).toMatch(
      /after 2 lost attempt\(s\); no retries left\): worker \S+-r1 \(pid \d+\) was killed by SIGKILL/,
    );
  });
});
