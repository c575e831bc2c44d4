/**
 * The runner dies (SIGKILL) while its worker is in the middle of bundles: the worker sees its
 * Control stream break and exits — a PROCESS worker (the runner's own child, now orphaned) as
 * well as an EXTERNAL one started by `vecudf worker-pool`, where the pool stays up, reaps the
 * worker, forgets it and starts new workers for the next runner. Every wait is bounded.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Runner } from '../../src/runner/runner.js';
import {
  childrenOf,
  column,
  goneWithin,
  nodeProcess,
  numbered,
  planOf,
  ROOT,
  running,
  startPool,
  until,
} from './process-support.js';

const CHILD = join(ROOT, 'test/reliability/fixtures/runner-child.ts');

const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface ChildEvents {
  started: Promise<{ workerId: string; workerPid: number | null }>;
  output: Promise<void>;
  child: ChildProcess;
  text: () => string;
}

/** Starts the runner fixture; its events arrive as promises (rejected if it exits first). */
function runnerChild(mode: 'process' | 'external', address = '-', udf = 'slow'): ChildEvents {
  let started!: (v: { workerId: string; workerPid: number | null }) => void;
  let output!: () => void;
  let fail!: (e: Error) => void;
  const p1 = new Promise<{ workerId: string; workerPid: number | null }>((res, rej) => {
    started = res;
    fail = rej;
  });
  let fail2!: (e: Error) => void;
  const p2 = new Promise<void>((res, rej) => {
    output = res;
    fail2 = rej;
  });
  const { child, output: text } = nodeProcess([CHILD, mode, address, udf], (line) => {
    if (!line.startsWith('{')) return;
    const ev = JSON.parse(line) as { event: string; workerId: string; workerPid: number | null };
    if (ev.event === 'started') started(ev);
    if (ev.event === 'output') output();
  });
  spawned.push(child);
  child.on('exit', (code, signal) => {
    const e = new Error(`the runner fixture exited (${signal ?? code}): ${text()}`);
    fail(e);
    fail2(e);
  });
  p1.catch(() => {});
  p2.catch(() => {});
  return { started: p1, output: p2, child, text };
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** The children of `pid` as `ps` shows them (for failure messages). */
function ps(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'pid,ppid,args', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return '(none)';
  }
}

function kill9(c: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGKILL');
  return exited;
}

describe('the runner dies under a PROCESS worker', () => {
  it('the worker notices its control stream broke and exits: no orphan left', async () => {
    const r = runnerChild('process');
    const { workerPid } = await bounded(r.started, 30_000, 'runner and worker start');
    expect(workerPid).toBeGreaterThan(0);
    await bounded(r.output, 30_000, 'first output');
    // bundles are in flight now (the slow UDF holds each batch 100 ms, four bundles of five)
    expect(running(workerPid!)).toBe(true);
    await kill9(r.child);
    await goneWithin(workerPid!, 10_000);
  });

  it.each(['hang', 'spin'])(
    'also when its bundle is stuck in a UDF that never answers (hang) or loops forever (spin): %s',
    async (udf) => {
      const r = runnerChild('process', '-', udf);
      const { workerPid } = await bounded(r.started, 30_000, 'runner and worker start');
      // the warm-up bundle ran, the first data bundle is sent: give it time to reach the UDF
      await new Promise((res) => setTimeout(res, 1_000));
      expect(running(workerPid!)).toBe(true);
      await kill9(r.child);
      await goneWithin(workerPid!, 10_000);
    },
  );
});

describe('the runner dies under a worker of `vecudf worker-pool`', () => {
  let pool: ChildProcess;
  let address = '';
  afterEach(async () => {
    if (pool && pool.exitCode === null) await kill9(pool);
  });

  it('the worker exits, the pool stays up, reaps and forgets it, and serves the next runner', async () => {
    const p = await bounded(startPool(), 30_000, 'the pool to listen');
    pool = p.child;
    spawned.push(pool);
    address = p.address;

    const r = runnerChild('external', address);
    const { workerId } = await bounded(r.started, 30_000, 'runner and worker start');
    await bounded(r.output, 30_000, 'first output');
    const workers = childrenOf(pool.pid!);
    expect(workers, ps(pool.pid!)).toHaveLength(1);
    const workerPid = workers[0]!;
    await kill9(r.child);
    // the worker exits and the pool reaps it (no zombie: it is the parent and still running)
    await goneWithin(workerPid, 10_000);
    await until(() => childrenOf(pool.pid!).length === 0, 5_000, 'the pool has no child left');
    expect(pool.exitCode).toBeNull();
    expect(p.output()).toContain(`[worker ${workerId}]`);

    // the pool starts a new worker for the next runner; the run is complete and correct
    const next = await Runner.start({ environment: { type: 'external', address }, threads: 1 });
    try {
      const out: RecordBatch[] = [];
      for await (const b of next.run(numbered(4_000, 4_000), {
        plan: planOf('slow'),
        columns: ['x'],
        arrowBatchSize: 1_000,
      })) {
        out.push(b);
      }
      expect(column(out, 'result')).toEqual(Array.from({ length: 4_000 }, (_, k) => k / 2));
      expect(childrenOf(pool.pid!), ps(pool.pid!)).toHaveLength(1);
    } finally {
      await next.close();
    }
    await until(
      () => childrenOf(pool.pid!).length === 0,
      10_000,
      'the pool stops the closed runner’s worker',
    );
  });
});
