/**
 * A rig for the reliability tests: the real worker (src/harness `startWorker`, in this process,
 * with a real executor pool) against the fake runner of the harness tests, which hosts Control,
 * Data and Logging over real gRPC on 127.0.0.1 and can send any bytes — malformed ones included.
 * Every wait is bounded: a worker that does not answer fails the test instead of hanging it.
 */
import type * as arrow from 'apache-arrow';
import type { DataChannelOptions } from '../../src/harness/data-channel.js';
import { startWorker, type Worker, type WorkerOptions } from '../../src/harness/worker.js';
import { createExecutorPool } from '../../src/pool/create-pool.js';
import type { ExecutorPoolOptions } from '../../src/pool/options.js';
import type { ExecutorPool } from '../../src/pool/types.js';
import type { InstructionResponse } from '../../src/proto/fn-api.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { FakeRunner } from '../harness/fake-runner.js';
import { arrowElement, arrowOutput, f64, INPUT, OUTPUT } from '../harness/flink-fixtures.js';

export { arrowElement, arrowOutput, descriptor, f64, INPUT, OUTPUT } from '../harness/flink-fixtures.js';

export const AB = [
  { name: 'a', type: T.DOUBLE() },
  { name: 'b', type: T.DOUBLE() },
];
export const OUT = [{ name: 'f0', type: T.DOUBLE() }];

/** The UDF fixtures of these tests (plain .mjs: a worker process loads them without tsx). */
export const FAULTS = new URL('../fixtures/udfs/faults.mjs', import.meta.url).pathname;

/** The fixtures' vectorized `plus(a, b)` as a descriptor names it: DOUBLE, DOUBLE → DOUBLE over input fields 0 and 1. */
export const PLUS = {
  module: FAULTS,
  export: 'plus',
  kind: 'vectorized',
  resultType: 'DOUBLE',
  inputTypes: ['DOUBLE', 'DOUBLE'],
  args: [{ offset: 0 }, { offset: 1 }],
};

/** Rejects when `p` has not settled within `ms` (the "never hangs" bound). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export interface Rig {
  runner: FakeRunner;
  worker: Worker;
  /** The pool given to the worker, or undefined when the worker made its own (`worker` options). */
  pool: ExecutorPool | undefined;
  close(): Promise<void>;
}

/**
 * Starts the fake runner and the worker. With `worker` options (threads, udfTimeoutMs,
 * udfMemoryMb) the worker makes its own pool as `vecudf worker` does; else it gets one made here.
 */
export async function startRig(
  o: {
    pool?: ExecutorPoolOptions;
    worker?: Partial<WorkerOptions>;
    data?: DataChannelOptions;
    id?: string;
  } = {},
): Promise<Rig> {
  const runner = await FakeRunner.start();
  const pool = o.worker ? undefined : createExecutorPool({ threads: 1, ...o.pool });
  const worker = startWorker({
    id: o.id ?? 'w-reliability',
    controlUrl: runner.url,
    loggingUrl: runner.url,
    captureConsole: false,
    ...(pool ? { pool } : {}),
    ...o.worker,
    ...(o.data ? { data: o.data } : {}),
  });
  await within(runner.connected(), 10_000, 'worker connecting');
  return {
    runner,
    worker,
    pool,
    async close() {
      await runner.close();
      await worker.stop();
      await pool?.close({ force: true });
    },
  };
}

/** A bundle's answer and, when it succeeded, its output batches. */
export interface BundleResult {
  id: string;
  res: InstructionResponse;
  /** The output bytes (concatenated elements) when the bundle succeeded. */
  bytes: Uint8Array;
  /** The output batches (Arrow mode). */
  out: arrow.RecordBatch[];
}

/**
 * Runs one bundle as Flink does (request first, then the data with is_last) and waits, bounded,
 * for the response and — on success — the output's is_last.
 */
export async function runBundle(
  rig: Rig,
  descriptorId: string,
  parts: Uint8Array[],
  o: { timeoutMs?: number; mode?: 'arrow' | 'row' } = {},
): Promise<BundleResult> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const { runner } = rig;
  const id = runner.newId();
  const resp = runner.instruct(
    { processBundle: { processBundleDescriptorId: descriptorId, cacheTokens: [] } },
    id,
  );
  await runner.sendData([{ instructionId: id, transformId: INPUT, parts, isLast: true }]);
  const res = await within(resp, timeoutMs, `bundle ${id} (${descriptorId})`);
  const bytes = res.error ? new Uint8Array(0) : await runner.output(id, OUTPUT, timeoutMs);
  const out = res.error || o.mode === 'row' ? [] : arrowOutput(bytes);
  return { id, res, bytes, out };
}

/** A valid Arrow element of the (a, b) DOUBLE input. */
export function abElement(a: number[], b: number[]): Uint8Array {
  return arrowElement(AB, { a: f64(a), b: f64(b) });
}

/** The first output column of all batches, flattened. */
export function column0(out: arrow.RecordBatch[]): unknown[] {
  return out.flatMap((b) => [...b.getChildAt(0)!]);
}

/** A good bundle of `plus` (the descriptor must be registered as `plus`): proves the worker still serves. */
export async function expectServes(rig: Rig, descriptorId = 'plus'): Promise<void> {
  const r = await runBundle(rig, descriptorId, [abElement([1, 2, 3], [10, 20, 30])]);
  if (r.res.error) throw new Error(`the good bundle after the fault failed: ${r.res.error}`);
  const got = column0(r.out);
  if (JSON.stringify(got) !== JSON.stringify([11, 22, 33])) {
    throw new Error(`the good bundle after the fault gave ${JSON.stringify(got)}`);
  }
}
