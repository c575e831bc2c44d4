/**
 * The knobs of the executor pool and their defaults. One place, so that `--threads`,
 * `--udf-timeout-ms` and friends mean the same thing in `vecudf worker`, `worker-pool` and `run`.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import type { LoadPlanOptions } from '../exec/plan.js';

/** What one pool task carries: Arrow IPC bytes of one batch, or row-coded bytes (row-wise mode). */
export type ElementMode = 'arrow' | 'row';

export interface ExecutorPoolOptions {
  /** Worker threads. 0 runs every batch on the calling thread (same code, no thread hop). Default: cores. */
  threads?: number;
  /**
   * Tasks admitted beyond those running (threads × per-thread concurrency). When this many wait,
   * the pool is `saturated` and the caller should stop reading input until `whenReady()`.
   * Default: 2 × threads × asyncConcurrency (at least 2).
   */
  maxQueue?: number;
  /** Also saturated when admitted, unfinished input bytes reach this many. Default 256 MiB. */
  maxQueuedBytes?: number;
  /** A batch running longer than this is stopped (its thread is terminated). 0 = no limit (default). */
  udfTimeoutMs?: number;
  /** Batches of an async UDF run concurrently on one thread, up to this many. Default 8. */
  asyncConcurrency?: number;
  /**
   * Batches of a synchronous (CPU-bound) UDF posted to one thread at a time. 1 (default) keeps a
   * crash or timeout from taking a second, queued batch down with it; 2 hides the thread hop for
   * very cheap UDFs.
   */
  syncDepth?: number;
  /** Per-thread V8 limits (a thread exceeding them dies with an out-of-memory error and is replaced). */
  resourceLimits?: ResourceLimits;
  /**
   * Move element bytes to a thread and back by transfer (default). `false` copies them (structured
   * clone) both ways instead; it exists to measure what the transfer saves.
   */
  transfer?: boolean;
  /** Passed to `loadPlan` on every thread (structured-cloneable). Default: `{ baseDir: process.cwd() }`. */
  planOptions?: Partial<LoadPlanOptions>;
  /**
   * Elements of one bundle and plan that wait for a thread are sent to it together, up to this
   * many per task (one message and one wake-up of the thread for all of them). Default 16.
   */
  maxElementsPerTask?: number;
  /**
   * Adaptive dispatch. A synchronous plan whose batches take less than this many ms each on a
   * thread (median of its first batches) runs on the calling thread instead: the thread hop
   * (~0.1 ms of the calling thread's time per task) would cost more than it saves. It goes back
   * to the threads if its batches grow slower. 0 = always use the threads. Default 0.25. Not
   * applied (always threads) when `udfTimeoutMs` or `resourceLimits` is set: a batch on the calling
   * thread cannot be stopped, nor its memory bounded, and a crash there ends the process.
   */
  cheapBatchMs?: number;
}

export interface ResolvedPoolOptions {
  threads: number;
  maxQueue: number;
  maxQueuedBytes: number;
  udfTimeoutMs: number;
  asyncConcurrency: number;
  syncDepth: number;
  resourceLimits: ResourceLimits | undefined;
  transfer: boolean;
  planOptions: LoadPlanOptions;
  maxElementsPerTask: number;
  /** 0 when adaptive dispatch is off (asked for, or a timeout or resource limits are set). */
  cheapBatchMs: number;
}

function count(name: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function cheapBatchMs(o: ExecutorPoolOptions): number {
  const v = o.cheapBatchMs ?? 0.25;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`cheapBatchMs must be a number ≥ 0, got ${v}`);
  return (o.udfTimeoutMs ?? 0) > 0 || o.resourceLimits ? 0 : v;
}

/**
 * Fills in defaults and checks ranges.
 *
 * @example
 * resolvePoolOptions({ threads: 2 }).maxQueue; // → 32 (2 threads × 8 async slots × 2)
 */
export function resolvePoolOptions(o: ExecutorPoolOptions = {}): ResolvedPoolOptions {
  const threads = count('threads', o.threads, availableParallelism(), 0);
  const asyncConcurrency = count('asyncConcurrency', o.asyncConcurrency, 8, 1);
  const syncDepth = count('syncDepth', o.syncDepth, 1, 1);
  const lanes = Math.max(1, threads) * asyncConcurrency;
  return {
    threads,
    asyncConcurrency,
    syncDepth,
    maxQueue: count('maxQueue', o.maxQueue, Math.max(2, 2 * lanes), 0),
    maxQueuedBytes: count('maxQueuedBytes', o.maxQueuedBytes, 256 * 1024 * 1024, 1),
    udfTimeoutMs: count('udfTimeoutMs', o.udfTimeoutMs, 0, 0),
    resourceLimits: o.resourceLimits,
    transfer: o.transfer ?? true,
    planOptions: { ...o.planOptions, baseDir: o.planOptions?.baseDir ?? process.cwd() },
    maxElementsPerTask: count('maxElementsPerTask', o.maxElementsPerTask, 16, 1),
    cheapBatchMs: cheapBatchMs(o),
  };
}
