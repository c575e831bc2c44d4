/**
 * The one interface of the executor pool, the same with worker threads and without
 * (`threads: 0`), so the harness has a single code path.
 */
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import type { ElementMode } from './options.js';
import type { PoolStats } from './stats.js';

/**
 * A result element not written out yet: `write` puts it — `varint(length)` + the Arrow IPC stream
 * (codec/arrow-frame.ts) — at `out[pos]` and returns the position after it. `prefix` is the
 * varint's size: the stream after it should land 8-byte aligned at the receiver. A result run on
 * the main thread comes like this from `runDeferred`, so that it is encoded straight into the
 * outgoing message: its columns are copied once, not encoded into a buffer and then copied again.
 */
export interface DeferredElement {
  readonly size: number;
  readonly prefix: number;
  write(out: Uint8Array, pos: number): number;
}

export interface ExecutorPool {
  /** Worker threads (0: batches run on the calling thread). */
  readonly threads: number;
  /**
   * Runs one data-plane element through a plan and resolves with the output element's bytes.
   * `planKey` identifies the plan (e.g. the process bundle descriptor id + transform id): each
   * thread loads a plan's UDF modules and compiles it once per key. The pool owns `bytes` from
   * the call on: with threads their buffer is transferred (the caller's view becomes empty) when
   * the view spans all of it, else copied once. Results of several calls may complete in any
   * order; put them back in order with `OrderedResults`. Rejects with the executor's `UdfError`,
   * a `ThreadDiedError`, a `UdfTimeoutError` or a `PoolClosedError`; the pool goes on either way.
   * `group` (e.g. the bundle's instruction id): elements of the same group and plan that wait for
   * a thread may run together as one task, so a thread that dies under them fails only that group.
   * `context` (default: the group) is what the UDF calls work for, readable while they run (see
   * exec/udf-context.ts); on threads, the group is.
   */
  run(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    mode?: ElementMode,
    group?: string,
    context?: unknown,
  ): Promise<Uint8Array>;
  /**
   * `run` for an Arrow element, resolving with the result element either as bytes (it ran on a
   * thread) or deferred (it ran on the calling thread; nothing is encoded until `write`). The
   * batch a deferred result holds stays valid until written. Optional: without it, `run`.
   */
  runDeferred?(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    group?: string,
    context?: unknown,
  ): Promise<Uint8Array | DeferredElement>;
  /**
   * Hands back the bytes of a result once nothing reads them any more (the caller copied them
   * into a message), for the pool to encode a later result into. Optional: pools whose results
   * come from other threads have nothing to reuse.
   */
  recycle?(bytes: Uint8Array): void;
  /** True when a further `run` would have to wait for capacity: stop reading input. */
  readonly saturated: boolean;
  /** Resolves when `run` can be called again without waiting (at once if not saturated). */
  whenReady(): Promise<void>;
  /** Counters per thread and for the pool (see stats.ts). */
  stats(): PoolStats;
  /** Per-call UDF metrics (rows, batches, ms) of a plan, summed over all threads, in plan order. */
  udfMetrics(planKey: string): CallMetrics[];
  /**
   * Refuses waiting and new tasks, lets admitted ones finish, then stops the threads. With
   * `force`, admitted tasks are not waited for: they fail with `PoolClosedError` at once (a
   * synchronous UDF running on the main thread with `threads: 0` cannot be interrupted).
   */
  close(opts?: { force?: boolean }): Promise<void>;
}
