/**
 * The executor pool on worker threads (piscina). The calling thread only admits tasks, moves
 * their bytes to a thread and back, and keeps the books; decoding, the UDFs and encoding run on
 * the threads. Faults stay with the task they hit: a UDF error comes back as data, a thread that
 * dies is replaced and fails only the tasks it held, a task past the timeout has its thread
 * terminated (and replaced).
 */
import { Piscina } from 'piscina';
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import { Admission } from './admission.js';
import { placementBalancer, type TaskPlacement } from './balancer.js';
import {
  describeThreadDeath,
  describeUdfs,
  PoolClosedError,
  ThreadDiedError,
  UdfTimeoutError,
} from './errors.js';
import type { ElementMode, ResolvedPoolOptions } from './options.js';
import { planUdfNames } from './plan-names.js';
import { fromErrorRecord } from './remote-error.js';
import { StartTable } from './start-table.js';
import { type PoolStats, StatsBook } from './stats.js';
import { epochMs, ownedBytes, type TaskMessage, type TaskReply } from './task.js';
import type { ExecutorPool } from './types.js';
import { UdfMetricsBook } from './udf-metrics.js';
import { locateThreadEntry } from './worker-file.js';

/** What the pool's thread entry receives as workerData. */
export interface PoolWorkerData {
  planOptions: ResolvedPoolOptions['planOptions'];
  startTable: StartTable['buffers'];
}

/** One task as the pool tracks it while it is in flight. */
interface Tracked {
  placement: TaskPlacement;
  slot: number;
  timer: NodeJS.Timeout | undefined;
  timedOut: boolean;
}

export class ThreadPool implements ExecutorPool {
  readonly threads: number;
  readonly #o: ResolvedPoolOptions;
  readonly #piscina: Piscina<TaskMessage, TaskReply>;
  readonly #admission: Admission;
  readonly #table: StartTable;
  readonly #stats = new StatsBook();
  readonly #udf = new UdfMetricsBook();
  /** Plans whose batches were found I/O-bound: they may share a thread. */
  readonly #ioBound = new Set<string>();
  /** Threads we terminated because a task on them timed out, and which UDFs that was. */
  readonly #killed = new Map<number, readonly string[]>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;
  #lastPoolError: Error | undefined;

  constructor(o: ResolvedPoolOptions) {
    if (o.threads < 1) throw new RangeError('ThreadPool needs at least one thread');
    this.#o = o;
    this.threads = o.threads;
    const lanes = o.threads * Math.max(o.asyncConcurrency, o.syncDepth);
    this.#admission = new Admission(lanes + o.maxQueue, o.maxQueuedBytes);
    this.#table = StartTable.create(lanes + o.maxQueue);
    const entry = locateThreadEntry();
    const workerData: PoolWorkerData = { planOptions: o.planOptions, startTable: this.#table.buffers };
    this.#piscina = new Piscina<TaskMessage, TaskReply>({
      filename: entry.filename,
      ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      minThreads: o.threads,
      maxThreads: o.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: Math.max(o.asyncConcurrency, o.syncDepth),
      // Admission bounds what reaches piscina; its own queue must never reject.
      maxQueue: Number.POSITIVE_INFINITY,
      stricterFIFO: true,
      // An idle thread waits in its event loop, not in Atomics.wait: timers and sockets that an
      // async UDF's module keeps (a connection pool, a cache refresh) go on between batches.
      // Measured: the round trip is the same either way.
      atomics: 'disabled',
      loadBalancer: placementBalancer(o.syncDepth, o.asyncConcurrency) as never,
      workerData,
      ...(o.resourceLimits ? { resourceLimits: o.resourceLimits } : {}),
    });
    // A thread that dies with no task on it is reported here; without a listener it would crash us.
    this.#piscina.on('error', (e: Error) => {
      this.#lastPoolError = e;
    });
    this.#piscina.on('workerDestroy', (w: { id: number }) => {
      this.#stats.threadGone(w.id);
      this.#stats.threadDeaths += this.#closed ? 0 : 1;
    });
  }

  get saturated(): boolean {
    return this.#admission.saturated;
  }

  whenReady(): Promise<void> {
    return this.#admission.whenReady();
  }

  run(planKey: string, plan: Plan, bytes: Uint8Array, mode: ElementMode = 'arrow'): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new PoolClosedError('the executor pool is closed'));
    const p = this.#run(planKey, plan, bytes, mode);
    this.#inFlight.add(p);
    const forget = () => this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  async #run(planKey: string, plan: Plan, bytes: Uint8Array, mode: ElementMode): Promise<Uint8Array> {
    const submittedAt = epochMs();
    const bytesIn = bytes.byteLength;
    const owned = ownedBytes(bytes);
    const wait = this.#admission.acquire(bytesIn);
    if (wait) await wait;
    const t: Tracked = {
      placement: { concurrent: this.#ioBound.has(planKey), threadId: undefined },
      slot: this.#table.take(),
      timer: undefined,
      timedOut: false,
    };
    try {
      const task: TaskMessage & { [k: symbol]: TaskPlacement } = {
        planKey,
        plan,
        mode,
        ...owned,
        transfer: this.#o.transfer,
        slot: t.slot,
        [Piscina.queueOptionsSymbol]: t.placement,
      };
      if (this.#o.udfTimeoutMs > 0) this.#watch(t, plan, this.#o.udfTimeoutMs);
      let reply: TaskReply;
      try {
        reply = await this.#piscina.run(task, this.#o.transfer ? { transferList: [owned.buffer] } : {});
      } catch (e) {
        this.#stats.recordLost();
        throw this.#explain(e, t, plan, bytesIn);
      }
      this.#account(planKey, reply, submittedAt, bytesIn);
      if (!reply.ok) throw fromErrorRecord(reply.error);
      return new Uint8Array(reply.buffer, reply.byteOffset, reply.byteLength);
    } finally {
      if (t.timer) clearTimeout(t.timer);
      this.#table.give(t.slot);
      this.#admission.release(bytesIn);
    }
  }

  #account(planKey: string, r: TaskReply, submittedAt: number, bytesIn: number): void {
    if (r.ioBound) this.#ioBound.add(planKey);
    this.#stats.record({
      threadId: r.threadId,
      ok: r.ok,
      rowsIn: r.rowsIn,
      rowsOut: r.ok ? r.rowsOut : 0,
      bytesIn,
      bytesOut: r.ok ? r.byteLength : 0,
      busyMs: r.busyMs,
      queueWaitMs: Math.max(0, r.startedAt - submittedAt),
    });
    if (r.metrics.length > 0) this.#udf.add(planKey, r.metrics);
  }

  /**
   * Arms the timeout of a task. Time counts from the task's start on its thread (read from the
   * start table), not from when it was queued; a check that finds it not started or not yet
   * late re-arms itself for the remaining time.
   */
  #watch(t: Tracked, plan: Plan, ms: number): void {
    const check = () => {
      const since = this.#table.runningSince(t.slot);
      if (since === null) return; // finished; the reply is on its way
      const left = since === undefined ? ms : since + ms - epochMs();
      if (left > 0) {
        t.timer = setTimeout(check, Math.ceil(left));
        return;
      }
      const threadId = t.placement.threadId;
      const worker = this.#piscina.threads.find((w) => w.threadId === threadId);
      if (threadId === undefined || !worker) return;
      t.timedOut = true;
      this.#stats.timeouts++;
      this.#killed.set(threadId, planUdfNames(plan));
      void worker.terminate();
    };
    t.timer = setTimeout(check, ms);
  }

  /** Turns piscina's rejection of a task into an error that says what happened to it. */
  #explain(e: unknown, t: Tracked, plan: Plan, bytesIn: number): Error {
    // Not a thread's fate: the task itself could not be posted (a plan that cannot be cloned).
    if (e instanceof Error && e.name === 'DataCloneError') return e;
    const udfs = planUdfNames(plan);
    const threadId = t.placement.threadId;
    const on = threadId === undefined ? 'a worker thread' : `worker thread ${threadId}`;
    const what = `${describeUdfs(udfs)} (a batch of ${bytesIn} bytes)`;
    if (t.timedOut) {
      const ms = this.#o.udfTimeoutMs;
      return new UdfTimeoutError(
        `${what} ran past the ${ms} ms timeout (--udf-timeout-ms) on ${on}; the thread was terminated and replaced`,
        threadId,
        udfs,
        ms,
      );
    }
    const culprit = threadId === undefined ? undefined : this.#killed.get(threadId);
    if (culprit) {
      const reason = `it was terminated because a batch of ${describeUdfs(culprit)} on it ran past the timeout`;
      return new ThreadDiedError(`${on} died while holding ${what}: ${reason}`, threadId, udfs, reason);
    }
    if (this.#closed) return new PoolClosedError(`the executor pool was closed before ${what} could finish`);
    const reason = describeThreadDeath(e);
    return new ThreadDiedError(
      `${on} died while running ${what}: ${reason}; the thread was replaced`,
      threadId,
      udfs,
      reason,
    );
  }

  stats(): PoolStats {
    const { perThread, totals } = this.#stats.snapshot();
    return {
      mode: 'threads',
      threads: this.threads,
      asyncConcurrency: this.#o.asyncConcurrency,
      inFlight: this.#admission.admitted,
      waiting: this.#admission.waiting,
      queuedBytes: this.#admission.bytes,
      saturated: this.#admission.saturated,
      completed: this.#stats.completed,
      failed: this.#stats.failed,
      threadDeaths: this.#stats.threadDeaths,
      timeouts: this.#stats.timeouts,
      perThread,
      totals,
    };
  }

  udfMetrics(planKey: string): CallMetrics[] {
    return this.#udf.get(planKey);
  }

  /** The last error of a thread that died with no task on it (for logs). */
  get lastPoolError(): Error | undefined {
    return this.#lastPoolError;
  }

  async close(opts: { force?: boolean } = {}): Promise<void> {
    if (this.#closed && !opts.force) return;
    this.#closed = true;
    this.#admission.refuseWaiting(new PoolClosedError('the executor pool was closed'));
    // Forced: destroying the threads fails what they hold (explained as PoolClosedError).
    if (!opts.force) await Promise.allSettled([...this.#inFlight]);
    await this.#piscina.destroy();
    await Promise.allSettled([...this.#inFlight]);
  }
}
