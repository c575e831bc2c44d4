/**
 * The executor pool with `threads: 0`: the same element runner, admission and books as the
 * threaded pool, on the calling thread — no thread hop, no transfer. What it cannot do is stop a
 * synchronous UDF that never returns (nothing can, on the thread it blocks); an async one past
 * the timeout fails its task, though the UDF's own work is not cancelled.
 */
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import { BufferPool } from '../proto/buffer-pool.js';
import { Admission } from './admission.js';
import { type DeferredOutput, type ElementOutput, ElementRunner } from './element-runner.js';
import { describeUdfs, PoolClosedError, UdfTimeoutError } from './errors.js';
import type { ElementMode, ResolvedPoolOptions } from './options.js';
import { planUdfNames } from './plan-names.js';
import { type PoolStats, StatsBook } from './stats.js';
import type { DeferredElement, ExecutorPool } from './types.js';
import { UdfMetricsBook } from './udf-metrics.js';

/** What the element runner gives back, run as bytes or deferred. */
type Output = ElementOutput | DeferredOutput;

/** The result element of an output (what `run` / `runDeferred` resolve with). */
const resultOf = (o: Output): Uint8Array | DeferredElement => ('element' in o ? o.element : o.bytes);

/** An admitted task: its plan and what the books need when it ends. */
interface Task {
  readonly planKey: string;
  readonly plan: Plan;
  readonly bytesIn: number;
  readonly submittedAt: number;
  startedAt: number;
  /** Set by the element runner once the input is decoded (a failing task still reports it). */
  readonly info: { rowsIn: number };
}

export class MainThreadPool implements ExecutorPool {
  readonly threads = 0;
  readonly #o: ResolvedPoolOptions;
  readonly #runner: ElementRunner;
  /**
   * Buffers results are encoded into, given back by `recycle` once the data channel has copied
   * them into a message: ~80 KB per 10,000-row batch that would otherwise be fresh external
   * memory, which (with gRPC's own buffers) is what makes V8 run full mark-compacts here.
   */
  readonly #outputs = new BufferPool(32);
  readonly #admission: Admission;
  readonly #stats = new StatsBook();
  readonly #udf = new UdfMetricsBook();
  /**
   * Tasks that have not settled when `run` returns — waiting for admission, or running an async
   * UDF — for `close` to wait for; and how a forced close fails a running one at once. (A task
   * that ran synchronously is over by then: it is in neither.)
   */
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #abort = new Set<(e: Error) => void>();
  #closed = false;

  constructor(o: ResolvedPoolOptions) {
    this.#o = o;
    this.#runner = new ElementRunner(o.planOptions, { allocateOutput: (n) => this.#outputs.take(n) });
    // Admitted tasks all run at once here, so only as many as may run concurrently are admitted.
    this.#admission = new Admission(o.asyncConcurrency, o.maxQueuedBytes);
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
    return this.#submit(planKey, plan, bytes, mode, context) as Promise<Uint8Array>;
  }

  runDeferred(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    group?: string,
    context: unknown = group,
  ): Promise<DeferredElement> {
    return this.#submit(planKey, plan, bytes, 'deferred', context) as Promise<DeferredElement>;
  }

  /**
   * Admits the task and runs it. A `runDeferred` element of a loaded plan whose UDFs return
   * synchronously is run before this returns, and its books kept, with no promise but the one
   * returned (the worker's per-element path); the rest (async UDFs, a plan still loading, `run`'s
   * encoding into a buffer) goes through `#finish`.
   */
  #submit(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    kind: ElementMode | 'deferred',
    context: unknown,
  ): Promise<Uint8Array | DeferredElement> {
    if (this.#closed) return Promise.reject(new PoolClosedError('the executor pool is closed'));
    const now = performance.now();
    const task: Task = {
      planKey,
      plan,
      bytesIn: bytes.byteLength,
      submittedAt: now,
      startedAt: now,
      info: { rowsIn: 0 },
    };
    const wait = this.#admission.acquire(task.bytesIn);
    if (wait) return this.#track(wait.then(() => this.#start(task, bytes, kind, context)));
    return this.#start(task, bytes, kind, context);
  }

  #start(
    task: Task,
    bytes: Uint8Array,
    kind: ElementMode | 'deferred',
    context: unknown,
  ): Promise<Uint8Array | DeferredElement> {
    task.startedAt = performance.now();
    let out: Output | Promise<Output>;
    try {
      out =
        kind === 'deferred'
          ? this.#runner.runDeferred(task.planKey, task.plan, bytes, task.info, context)
          : this.#runner.run(task.planKey, task.plan, bytes, kind, task.info, context);
    } catch (e) {
      this.#end(task, undefined);
      return Promise.reject(e);
    }
    if (out instanceof Promise) return this.#track(this.#finish(task, out));
    this.#end(task, out);
    return Promise.resolve(resultOf(out));
  }

  /** Waits for a task's output, unless the timeout or a forced close ends it first. */
  async #finish(task: Task, work: Promise<Output>): Promise<Uint8Array | DeferredElement> {
    work.catch(() => {}); // a failure after a forced close or a timeout is not unhandled
    // A promise of this task's own (not one shared by all tasks, which would keep a reaction of
    // every task ever raced against it): a forced close rejects it.
    let abort!: (e: Error) => void;
    const aborted = new Promise<never>((_, reject) => {
      abort = reject;
    });
    this.#abort.add(abort);
    let out: Output | undefined;
    try {
      out = await Promise.race([
        this.#o.udfTimeoutMs > 0 ? this.#withTimeout(work, task.plan) : work,
        aborted,
      ]);
      return resultOf(out);
    } finally {
      this.#abort.delete(abort);
      this.#end(task, out);
    }
  }

  /** The books of a task that ended (`out` undefined: it failed), and its admission released. */
  #end(task: Task, out: Output | undefined): void {
    const endedAt = performance.now();
    this.#stats.record({
      threadId: 0,
      ok: out !== undefined,
      rowsIn: task.info.rowsIn,
      rowsOut: out?.rowsOut ?? 0,
      bytesIn: task.bytesIn,
      bytesOut: out === undefined ? 0 : 'element' in out ? out.element.size : out.bytes.byteLength,
      busyMs: endedAt - task.startedAt,
      queueWaitMs: task.startedAt - task.submittedAt,
    });
    const metrics = out?.metrics ?? this.#runner.takeMetrics(task.planKey);
    if (metrics.length > 0) this.#udf.add(task.planKey, metrics);
    this.#admission.release(task.bytesIn);
  }

  /** Keeps `p` in `#inFlight` until it settles. */
  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    const forget = () => this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  #withTimeout<T>(work: Promise<T>, plan: Plan): Promise<T> {
    const ms = this.#o.udfTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#stats.timeouts++;
        const udfs = planUdfNames(plan);
        reject(
          new UdfTimeoutError(
            `${describeUdfs(udfs)} ran past the ${ms} ms timeout (--udf-timeout-ms) on the main thread (threads = 0); ` +
              'its result will be discarded, but its work cannot be stopped there',
            undefined,
            udfs,
            ms,
          ),
        );
      }, ms);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }

  recycle(bytes: Uint8Array): void {
    this.#outputs.giveView(bytes);
  }

  stats(): PoolStats {
    const { perThread, totals } = this.#stats.snapshot();
    return {
      mode: 'main-thread',
      threads: 0,
      asyncConcurrency: this.#o.asyncConcurrency,
      inFlight: this.#admission.admitted,
      waiting: this.#admission.waiting,
      queuedBytes: this.#admission.bytes,
      saturated: this.#admission.saturated,
      completed: this.#stats.completed,
      failed: this.#stats.failed,
      threadDeaths: 0,
      timeouts: this.#stats.timeouts,
      perThread,
      totals,
    };
  }

  udfMetrics(planKey: string): CallMetrics[] {
    return this.#udf.get(planKey);
  }

  async close(opts: { force?: boolean } = {}): Promise<void> {
    if (this.#closed && !opts.force) return;
    this.#closed = true;
    this.#admission.refuseWaiting(new PoolClosedError('the executor pool was closed'));
    if (opts.force) {
      const e = new PoolClosedError('the executor pool was closed before the task could finish');
      for (const abort of [...this.#abort]) abort(e);
    }
    await Promise.allSettled([...this.#inFlight]);
  }
}
