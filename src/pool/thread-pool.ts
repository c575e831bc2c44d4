/**
 * The executor pool on worker threads (piscina). The calling thread only admits elements, moves
 * their bytes to a thread and back, and keeps the books; decoding, the UDFs and encoding run on
 * the threads. Faults stay with the task they hit: a UDF error comes back as data, a thread that
 * dies is replaced and fails only what it held (one bundle's), a task past the timeout has its thread
 * terminated (and replaced).
 *
 * Cost of the hop, and what is done about it: elements of one bundle and plan that wait while
 * every thread is busy are packed into one task (one message, one wake-up; a crash then fails only
 * that bundle, which a crash fails anyway), as many as take about a millisecond on a thread, so
 * that a costly bundle is still shared out over every thread to its end; a costly element is sent
 * ahead, queued on a thread behind the running task of its own bundle, so that the thread goes on
 * without a round trip through the calling thread; a plan is sent to each thread once; and a
 * synchronous plan whose batches are cheaper than the hop runs on the calling thread (adaptive
 * dispatch, see `cheapBatchMs` in options.ts), learned once per plan, whatever key it comes under.
 */
import { Piscina } from 'piscina';
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import { BufferPool } from '../proto/buffer-pool.js';
import { Admission } from './admission.js';
import { placementBalancer, type TaskPlacement } from './balancer.js';
import { type DeferredOutput, ElementRunner } from './element-runner.js';
import {
  describeThreadDeath,
  describeUdfs,
  PoolClosedError,
  ThreadDiedError,
  UdfTimeoutError,
} from './errors.js';
import { withExitGuard } from './exit-guard.js';
import type { ElementMode, ResolvedPoolOptions } from './options.js';
import { planUdfNames } from './plan-names.js';
import { fromErrorRecord } from './remote-error.js';
import { StartTable } from './start-table.js';
import { type PoolStats, StatsBook } from './stats.js';
import { epochMs, type OwnedBytes, packElements, type TaskMessage, type TaskReply } from './task.js';
import type { DeferredElement, ExecutorPool } from './types.js';
import { UdfMetricsBook } from './udf-metrics.js';
import { locateThreadEntry } from './worker-file.js';
/** What the pool's thread entry receives as workerData. */
export interface PoolWorkerData {
  planOptions: ResolvedPoolOptions['planOptions'];
  startTable: StartTable['buffers'];
}

/** One element from `run()` until its result is handed back. */
interface Pending {
  bytesIn: number;
  /** undefined: an element of its own, never packed with others. */
  group: string | undefined;
  planKey: string;
  plan: Plan;
  /** What adaptive dispatch learns of the plan is kept under this key (see `#costKey`). */
  costKey: string;
  mode: ElementMode;
  bytes: Uint8Array;
  submittedAt: number;
  resolve: (out: Uint8Array) => void;
  reject: (e: unknown) => void;
}

/** One task as the pool tracks it while it is in flight. */
interface Tracked {
  placement: TaskPlacement;
  slot: number;
  timer: NodeJS.Timeout | undefined;
  timedOut: boolean;
}

/** Where a plan's batches run (adaptive dispatch). */
interface PlanDispatch {
  /** `sampling`: on threads, measuring; `threads`/`main`: decided. */
  where: 'sampling' | 'threads' | 'main';
  /** Per-element busy ms and rows on threads while sampling. */
  samples: { ms: number; rows: number }[];
  /** On the calling thread: least ms per row and most rows per batch over the current window. */
  mainPerRow: number;
  mainRows: number;
  mainSeen: number;
  /** Windows in a row on the calling thread that found the plan grown slow. */
  mainSlow: number;
  /** Elements seen while sampling (the first WARM_UP are not sampled). */
  seen: number;
  /** Least round trip of a task minus its time on the thread: the hop, as measured. */
  hopMs: number;
  /**
   * Times of the plan's last RECENT elements on a thread (NaN: none yet), loading excluded; their
   * least is the cost that decides how many go in one task (wall time on a shared machine is only
   * ever longer than the work, and a fresh thread's first batches run cold).
   */
  recentMs: Float64Array;
  recentAt: number;
}

/** Batches of a plan measured on threads before adaptive dispatch decides. */
const SAMPLES = 8;
/** Batches of a plan not sampled at first: a fresh thread runs them cold (before the JIT). */
const WARM_UP = 16;
/** A plan left on the threads is sampled again after this many more batches. */
const RESAMPLE_AFTER = 64;
/** Batches of a plan on the calling thread over which its cost is checked again. */
const MAIN_WINDOW = 16;
/** Batches a plan sent back to the threads runs there before it is sampled again. */
const MAIN_REWARM = 4;
/** Largest task, in input bytes (several elements are packed together only below this). */
const MAX_TASK_BYTES = 32 * 1024 * 1024;
/**
 * With several threads, elements are packed into one task only up to about this much thread
 * time: enough to make the hop small beside it (it costs the calling thread ~0.1–0.3 ms of CPU,
 * the thread a wake-up and the heaps garbage: haversine's ~0.8 ms batches one to a task ran ~25%
 * slower end to end than packed), little enough that the threads still finish a run together.
 */
const PACK_MS = 4;
/** Element times of a plan kept to judge its cost by. */
const RECENT = 8;

export class ThreadPool implements ExecutorPool {
  readonly threads: number;
  readonly #o: ResolvedPoolOptions;
  readonly #piscina: Piscina<TaskMessage, TaskReply>;
  readonly #admission: Admission;
  readonly #table: StartTable;
  readonly #stats = new StatsBook();
  readonly #udf = new UdfMetricsBook();
  /** Plans (by cost key) whose batches were found I/O-bound: they may share a thread. */
  readonly #ioBound = new Set<string>();
  /** Each plan's cost key, by plan object (a stage keeps its plan for all its bundles). */
  readonly #costKeys = new WeakMap<Plan, string>();
  /** Threads we terminated because a task on them timed out, and which UDFs that was. */
  readonly #killed = new Map<number, readonly string[]>();
  /** Plans each live thread has been sent (it keeps them by key). */
  readonly #plansOn = new Map<number, Set<string>>();
  readonly #dispatch = new Map<string, PlanDispatch>();
  readonly #pending: Pending[] = [];
  /** Synchronous tasks posted and not yet replied to (threads × syncDepth, plus those sent ahead). */
  #syncTasks = 0;
  /**
   * Synchronous tasks on each thread (placed, not yet replied to) and their bundle: null once they
   * are of several. A thread is absent when it has none.
   */
  readonly #onThread = new Map<number, { tasks: number; group: string | undefined | null }>();
  #main: ElementRunner | undefined;
  /**
   * Buffers the calling thread encodes results into (cheap plans, adaptive dispatch), given back by
   * `recycle` once the data channel copied them into a message — the threads' results too, once
   * here: without them, each batch's result is fresh external memory, which makes V8 run full
   * mark-compacts on this thread (as in the threads-0 pool).
   */
  readonly #outputs = new BufferPool(32);
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
      this.#plansOn.delete(w.id);
      this.#onThread.delete(w.id);
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

  run(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    mode: ElementMode = 'arrow',
    group?: string,
    context: unknown = group,
  ): Promise<Uint8Array> {
    return this.#track(this.#run(planKey, plan, bytes, mode, group, false, context) as Promise<Uint8Array>);
  }

  runDeferred(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    group?: string,
    context: unknown = group,
  ): Promise<Uint8Array | DeferredElement> {
    if (this.#closed) return Promise.reject(new PoolClosedError('the executor pool is closed'));
    return (
      this.#hereNow(planKey, plan, bytes, context) ??
      this.#track(this.#run(planKey, plan, bytes, 'arrow', group, true, context))
    );
  }

  /**
   * A cheap synchronous plan's element that adaptive dispatch keeps on this thread, run before
   * this returns when nothing has to be waited for (admission, a plan still loading): the
   * worker's per-element path then costs one promise, as with `threads: 0`, instead of a chain
   * of awaits. Undefined when it cannot: `#run` takes the element.
   */
  #hereNow(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    context: unknown,
  ): Promise<DeferredElement> | undefined {
    const main = this.#main;
    if (!main || main.compiled(planKey, plan) instanceof Promise) return undefined;
    const costKey = this.#costKey(planKey, plan);
    if (this.#dispatchOf(costKey).where !== 'main' || !this.#admission.tryAcquire(bytes.byteLength))
      return undefined;
    const startedAt = epochMs();
    const info = { rowsIn: 0 };
    const end = (o: DeferredOutput | undefined) => {
      this.#admission.release(bytes.byteLength);
      this.#learnHere(planKey, costKey, bytes, startedAt, info, o, o?.element.size ?? 0);
    };
    let o: DeferredOutput | Promise<DeferredOutput>;
    try {
      // process.exit in the UDF must fail the batch here, not end the worker
      o = withExitGuard(() => main.runDeferred(planKey, plan, bytes, info, context));
    } catch (e) {
      end(undefined);
      return Promise.reject(e);
    }
    if (o instanceof Promise) {
      return this.#track(
        o.then(
          (out) => {
            end(out);
            return out.element;
          },
          (e: unknown) => {
            end(undefined);
            throw e;
          },
        ),
      );
    }
    end(o);
    return Promise.resolve(o.element);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    const forget = () => this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  async #run(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    mode: ElementMode,
    group: string | undefined,
    defer: boolean,
    context: unknown = group,
  ): Promise<Uint8Array | DeferredElement> {
    if (this.#closed) throw new PoolClosedError('the executor pool is closed');
    const submittedAt = epochMs();
    const bytesIn = bytes.byteLength;
    const wait = this.#admission.acquire(bytesIn);
    if (wait) await wait;
    try {
      const costKey = this.#costKey(planKey, plan);
      if (this.#dispatchOf(costKey).where === 'main')
        return await this.#runHere(planKey, plan, costKey, bytes, mode, defer, context);
      return await new Promise<Uint8Array>((resolve, reject) => {
        this.#pending.push({
          bytesIn,
          group,
          planKey,
          plan,
          costKey,
          mode,
          bytes,
          submittedAt,
          resolve,
          reject,
        });
        this.#pump();
      });
    } finally {
      this.#admission.release(bytesIn);
    }
  }

  /**
   * The key what is learned of a plan's cost is kept under: its content. A runner sends the same
   * plan under a new key (descriptor id) with every job it runs; learning it again each time sent
   * a cheap plan's first two dozen batches of every run to the threads. A plan that cannot be put
   * into words, or is very large, keeps its own key.
   */
  #costKey(planKey: string, plan: Plan): string {
    let k = this.#costKeys.get(plan);
    if (k === undefined) {
      let text: string | undefined;
      try {
        text = JSON.stringify(plan);
      } catch {
        // a BigInt constant, say
      }
      k = text !== undefined && text.length <= 65_536 ? `plan ${text}` : `key ${planKey}`;
      this.#costKeys.set(plan, k);
    }
    return k;
  }

  #dispatchOf(costKey: string): PlanDispatch {
    let d = this.#dispatch.get(costKey);
    if (!d) {
      d = {
        where: this.#o.cheapBatchMs > 0 ? 'sampling' : 'threads',
        samples: [],
        mainPerRow: Number.POSITIVE_INFINITY,
        mainRows: 0,
        mainSeen: 0,
        mainSlow: 0,
        seen: 0,
        hopMs: Number.POSITIVE_INFINITY,
        recentMs: new Float64Array(RECENT).fill(Number.NaN),
        recentAt: 0,
      };
      this.#dispatch.set(costKey, d);
    }
    return d;
  }

  /** A cheap synchronous plan's element, on this thread (adaptive dispatch). */
  async #runHere(
    planKey: string,
    plan: Plan,
    costKey: string,
    bytes: Uint8Array,
    mode: ElementMode,
    defer: boolean,
    context: unknown,
  ): Promise<Uint8Array | DeferredElement> {
    this.#main ??= new ElementRunner(this.#o.planOptions, { allocateOutput: (n) => this.#outputs.take(n) });
    // Loading the plan here the first time is not a batch's cost (a failed load is reported by run()).
    const loading = this.#main.compiled(planKey, plan);
    if (loading instanceof Promise) await loading.catch(() => {});
    const startedAt = epochMs();
    const info = { rowsIn: 0 };
    let out: { rowsOut: number; metrics: CallMetrics[] } | undefined;
    let size = 0;
    try {
      // process.exit in the UDF must fail the batch here, not end the worker
      if (defer && mode === 'arrow') {
        const o = await withExitGuard(() => this.#main!.runDeferred(planKey, plan, bytes, info, context));
        out = o;
        size = o.element.size;
        return o.element;
      }
      const o = await withExitGuard(() => this.#main!.run(planKey, plan, bytes, mode, info, context));
      out = o;
      size = o.bytes.byteLength;
      return o.bytes;
    } finally {
      this.#learnHere(planKey, costKey, bytes, startedAt, info, out, size);
    }
  }

  /** The books of an element run on this thread, and what adaptive dispatch learns from it. */
  #learnHere(
    planKey: string,
    costKey: string,
    bytes: Uint8Array,
    startedAt: number,
    info: { rowsIn: number },
    out: { rowsOut: number; metrics: CallMetrics[] } | undefined,
    size: number,
  ): void {
    const busyMs = epochMs() - startedAt;
    this.#stats.record({
      threadId: 0,
      ok: out !== undefined,
      rowsIn: info.rowsIn,
      rowsOut: out?.rowsOut ?? 0,
      bytesIn: bytes.byteLength,
      bytesOut: size,
      busyMs,
      queueWaitMs: 0,
    });
    const metrics = out?.metrics ?? this.#main?.takeMetrics(planKey) ?? [];
    if (metrics.length > 0) this.#udf.add(planKey, metrics);
    // Grown slow (bigger batches, a heavier input): back to the threads, measuring again. Judged
    // by the least time per row over a window of batches, as the sampling is, and only after two
    // slow windows in a row, so that batches delayed by a busy machine (wall time) or run cold
    // after a pause do not send a cheap plan back: traced under load, plus went back to the
    // threads a few times a minute, and a thread idle for as long ran its first batches slower
    // still, keeping it there for the next 64.
    const d = this.#dispatchOf(costKey);
    if (out !== undefined && info.rowsIn > 0) {
      d.mainPerRow = Math.min(d.mainPerRow, busyMs / info.rowsIn);
      d.mainRows = Math.max(d.mainRows, info.rowsIn);
      if (++d.mainSeen >= MAIN_WINDOW) {
        d.mainSlow = d.mainPerRow * d.mainRows > 4 * this.#o.cheapBatchMs ? d.mainSlow + 1 : 0;
        if (d.mainSlow >= 2) {
          d.where = 'sampling';
          d.samples = [];
          // The threads have not run this plan for a while: a few batches to warm them first.
          d.seen = WARM_UP - MAIN_REWARM;
          d.mainSlow = 0;
        }
        d.mainPerRow = Number.POSITIVE_INFINITY;
        d.mainRows = 0;
        d.mainSeen = 0;
      }
    }
  }

  /** Keeps a reply's element times (before the next tasks are packed). */
  #learnElementMs(costKey: string, r: TaskReply): void {
    const d = this.#dispatchOf(costKey);
    r.results.forEach((e, i) => {
      if (!e.ok) return;
      // Loading the plan (a module import) is not what the next batches will cost.
      d.recentMs[d.recentAt] = Math.max(0, i === 0 ? e.busyMs - (r.loadMs ?? 0) : e.busyMs);
      d.recentAt = (d.recentAt + 1) % RECENT;
    });
  }

  /** The least of a plan's recent element times on a thread; NaN before any came back. */
  #elementMs(costKey: string): number {
    let least = Number.NaN;
    for (const ms of this.#dispatchOf(costKey).recentMs) if (!Number.isNaN(ms) && !(ms >= least)) least = ms;
    return least;
  }

  /** Learns from a thread's per-element times whether the plan is cheaper than the hop. */
  #sample(costKey: string, r: TaskReply, hopMs: number): void {
    const d = this.#dispatchOf(costKey);
    if (d.where === 'threads' && this.#o.cheapBatchMs > 0) {
      // Threads were chosen on a cold thread or a busier machine: measure again now and then.
      d.seen += r.results.length;
      if (d.seen >= RESAMPLE_AFTER) {
        d.where = 'sampling';
        d.seen = WARM_UP;
        d.hopMs = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (d.where !== 'sampling') return;
    if (r.ioBound || this.#ioBound.has(costKey)) {
      d.where = 'threads';
      d.seen = Number.NEGATIVE_INFINITY; // never sampled again
      return;
    }
    d.hopMs = Math.min(d.hopMs, hopMs);
    for (const e of r.results) {
      if (!e.ok || e.rowsIn === 0 || d.seen++ < WARM_UP) continue;
      d.samples.push({ ms: e.busyMs, rows: e.rowsIn });
    }
    if (d.samples.length < SAMPLES) return;
    // Wall time on a shared machine includes time the thread was not running: the least time per
    // row over the samples is the closest to the batch's real cost; times the median batch size.
    let perRow = Number.POSITIVE_INFINITY;
    for (const x of d.samples) perRow = Math.min(perRow, x.ms / x.rows);
    const rows = d.samples.map((x) => x.rows).sort((a, b) => a - b)[d.samples.length >> 1]!;
    // Cheap: below cheapBatchMs, or below the hop as measured now (a loaded machine slows both
    // alike), but never above 4 × cheapBatchMs.
    const limit = Math.min(4 * this.#o.cheapBatchMs, Math.max(this.#o.cheapBatchMs, d.hopMs));
    d.where = perRow * rows < limit ? 'main' : 'threads';
    d.samples = [];
    d.seen = 0;
  }

  /** Synchronous tasks the threads can take now without queueing them behind another. */
  #freeSyncSlots(): number {
    const depth = this.#o.syncDepth;
    let ahead = 0;
    for (const e of this.#onThread.values()) ahead += Math.max(0, e.tasks - depth);
    // Tasks posted and not placed yet (no thread free to take them) count as taken.
    return this.threads * depth - (this.#syncTasks - ahead);
  }

  /**
   * The thread a costly element may be sent ahead to: one running `syncDepth` tasks of the
   * element's own bundle and nothing queued behind them. There it starts the moment the thread is
   * done, instead of after a round trip through this thread — which, on a machine whose cores are
   * all busy (the threads, the runner, neighbours), waits for the scheduler: measured, 3–9 ms per
   * batch. Only the same bundle: a crash or a timeout of the running task takes the queued one
   * down too, and fails that bundle, which it fails anyway. Cheap elements are packed instead.
   */
  #aheadOn(head: Pending): number | undefined {
    if (head.group === undefined || !(this.#elementMs(head.costKey) >= PACK_MS)) return undefined;
    for (const [threadId, e] of this.#onThread)
      if (e.group === head.group && e.tasks === this.#o.syncDepth) return threadId;
    return undefined;
  }

  /** Posts tasks while threads can take them: I/O-bound elements one per task, others packed. */
  #pump(): void {
    const capacity = this.threads * this.#o.syncDepth;
    let i = 0;
    let first = true; // the first synchronous element waiting: the only one that may go ahead (FIFO)
    while (i < this.#pending.length) {
      const head = this.#pending[i]!;
      if (this.#ioBound.has(head.costKey)) {
        this.#pending.splice(i, 1);
        this.#post([head], true);
        continue;
      }
      if (this.#freeSyncSlots() <= 0) {
        const behind = first ? this.#aheadOn(head) : undefined;
        if (behind === undefined) {
          first = false;
          i++;
          continue;
        }
        this.#pending.splice(i, 1);
        this.#post([head], false, behind);
        continue;
      }
      // Several of the same bundle and plan: packed into one task (one message, one wake-up), as
      // many as take about PACK_MS on a thread — a costly batch goes alone, and the first thread
      // to free up does not take a bundle's whole tail while the others go idle — and shared out
      // over all the threads (the busy ones free up soon), never over the free ones only. Elements
      // of no group are independent: one per task, so that a crash fails only its own.
      const same: number[] = [];
      for (let j = i; j < this.#pending.length && head.group !== undefined; j++) {
        const p = this.#pending[j]!;
        if (p.group === head.group && p.planKey === head.planKey && p.mode === head.mode) same.push(j);
      }
      if (same.length === 0) same.push(i);
      const elementMs = this.#elementMs(head.costKey);
      // Not measured yet: one each (the first replies come back before much has piled up). One
      // thread has nobody to keep up with: as many as wait.
      const byCost =
        capacity === 1
          ? Number.POSITIVE_INFINITY
          : Number.isNaN(elementMs)
            ? 1
            : Math.max(1, Math.floor(PACK_MS / Math.max(elementMs, 1e-3)));
      const k = Math.min(this.#o.maxElementsPerTask, byCost, Math.ceil(same.length / capacity));
      const take: Pending[] = [];
      let bytes = 0;
      for (const j of same) {
        const p = this.#pending[j]!;
        if (take.length >= k || (take.length > 0 && bytes + p.bytesIn > MAX_TASK_BYTES)) break;
        take.push(p);
        bytes += p.bytesIn;
      }
      const taken = new Set(take);
      for (let j = this.#pending.length - 1; j >= i; j--)
        if (taken.has(this.#pending[j]!)) this.#pending.splice(j, 1);
      this.#post(take, false);
    }
  }

  #post(els: Pending[], concurrent: boolean, behind?: number): void {
    if (!concurrent) this.#syncTasks++;
    let released = false;
    // Called as soon as the thread is done with the task, before its results are handed on (and
    // written out by the caller): the next task is posted first, so the thread waits less.
    const release = () => {
      if (released) return;
      released = true;
      if (!concurrent) this.#syncTasks--;
      this.#pump();
    };
    void this.#task(els, concurrent, release, behind).finally(release);
  }

  /** A synchronous task was placed on a thread. */
  #arrived(threadId: number, group: string | undefined): void {
    const e = this.#onThread.get(threadId);
    if (!e) this.#onThread.set(threadId, { tasks: 1, group });
    else {
      e.tasks++;
      if (e.group !== group) e.group = null;
    }
  }

  /** A synchronous task placed on a thread came back (or was lost with it). */
  #left(threadId: number): void {
    const e = this.#onThread.get(threadId);
    if (e && --e.tasks === 0) this.#onThread.delete(threadId);
  }

  /** Runs a task on a thread and settles each of its elements. */
  async #task(els: Pending[], concurrent: boolean, release: () => void, behind?: number): Promise<void> {
    const head = els[0]!;
    const { planKey, plan, costKey } = head;
    const transfer = this.#o.transfer;
    const packed = packElements(els.map((e) => e.bytes));
    let elements: OwnedBytes[] = packed.elements;
    let transferList: ArrayBuffer[] = packed.transfer;
    const t: Tracked = {
      placement: { concurrent, threadId: undefined, behind },
      slot: this.#table.take(),
      timer: undefined,
      timedOut: false,
    };
    const bytesIn = els.reduce((n, e) => n + e.bytesIn, 0);
    try {
      let reply: TaskReply;
      let postedAt = 0;
      for (;;) {
        const task: TaskMessage & { [k: symbol]: TaskPlacement } = {
          planKey,
          plan: undefined,
          mode: head.mode,
          elements,
          transfer,
          slot: t.slot,
          group: head.group,
          [Piscina.queueOptionsSymbol]: t.placement,
        };
        let placedOn: number | undefined;
        t.placement.onPlaced = (threadId) => {
          if (!concurrent) this.#arrived((placedOn = threadId), head.group);
          let sent = this.#plansOn.get(threadId);
          if (!sent) this.#plansOn.set(threadId, (sent = new Set()));
          if (!sent.has(planKey)) {
            sent.add(planKey);
            task.plan = plan;
          }
        };
        if (this.#o.udfTimeoutMs > 0 && !t.timer) this.#watch(t, plan, this.#o.udfTimeoutMs);
        try {
          postedAt = epochMs();
          reply = await this.#piscina.run(task, transfer ? { transferList } : {});
        } catch (e) {
          if (placedOn !== undefined) this.#left(placedOn);
          release();
          const err = this.#explain(e, t, plan, bytesIn, els.length);
          for (const el of els) {
            this.#stats.recordLost();
            el.reject(err);
          }
          return;
        }
        if (placedOn !== undefined) this.#left(placedOn);
        if (!reply.needPlan) break;
        t.placement.behind = undefined; // resent as an ordinary task
        // The thread lost the plan (it cannot have, unless replaced under the same id): resend.
        if (t.placement.threadId !== undefined) this.#plansOn.get(t.placement.threadId)?.delete(planKey);
        elements = reply.returned ?? elements;
        transferList = [...new Set(elements.map((e) => e.buffer))];
      }
      if (t.timer) clearTimeout(t.timer);
      t.timer = undefined;
      this.#table.give(t.slot);
      t.slot = -1;
      const hopMs = epochMs() - postedAt - reply.busyMs;
      this.#learnElementMs(costKey, reply);
      release();
      this.#account(planKey, costKey, reply, els, hopMs);
    } finally {
      if (t.timer) clearTimeout(t.timer);
      if (t.slot >= 0) this.#table.give(t.slot);
    }
  }

  #account(planKey: string, costKey: string, r: TaskReply, els: Pending[], hopMs: number): void {
    if (r.ioBound) this.#ioBound.add(costKey);
    if (r.metrics.length > 0) this.#udf.add(planKey, r.metrics);
    this.#sample(costKey, r, hopMs);
    this.#stats.recordTask(r.threadId);
    let startedAt = r.startedAt;
    els.forEach((el, i) => {
      const e = r.results[i];
      const bytesIn = el.bytesIn;
      if (!e) {
        this.#stats.recordLost();
        el.reject(new Error(`the thread replied to ${r.results.length} of ${els.length} batches of a task`));
        return;
      }
      this.#stats.record({
        threadId: r.threadId,
        ok: e.ok,
        rowsIn: e.rowsIn,
        rowsOut: e.ok ? e.rowsOut : 0,
        bytesIn,
        bytesOut: e.ok ? e.byteLength : 0,
        busyMs: e.busyMs,
        queueWaitMs: Math.max(0, startedAt - el.submittedAt),
      });
      startedAt += e.busyMs;
      if (e.ok) el.resolve(new Uint8Array(e.buffer, e.byteOffset, e.byteLength));
      else el.reject(fromErrorRecord(e.error));
    });
  }

  /**
   * Arms the timeout of a task. Time counts from the start of the element running on its thread
   * (read from the start table), not from when it was queued; a check that finds it not started
   * or not yet late re-arms itself for the remaining time.
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
  #explain(e: unknown, t: Tracked, plan: Plan, bytesIn: number, elements: number): Error {
    // Not a thread's fate: the task itself could not be posted (a plan that cannot be cloned).
    if (e instanceof Error && e.name === 'DataCloneError') return e;
    const udfs = planUdfNames(plan);
    const threadId = t.placement.threadId;
    const on = threadId === undefined ? 'a worker thread' : `worker thread ${threadId}`;
    const what =
      elements === 1
        ? `${describeUdfs(udfs)} (a batch of ${bytesIn} bytes)`
        : `${describeUdfs(udfs)} (${elements} batches of one bundle, ${bytesIn} bytes)`;
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

  recycle(bytes: Uint8Array): void {
    this.#outputs.giveView(bytes);
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
    // Forced: what waits for a thread fails at once; destroying the threads fails what they hold
    // (explained as PoolClosedError).
    if (opts.force) {
      for (const p of this.#pending.splice(0))
        p.reject(new PoolClosedError('the executor pool was closed before the task could run'));
    } else await Promise.allSettled([...this.#inFlight]);
    await this.#piscina.destroy();
    await Promise.allSettled([...this.#inFlight]);
  }
}
