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
import { ElementRunner } from './element-runner.js';
import { describeUdfs, PoolClosedError, UdfTimeoutError } from './errors.js';
import type { ElementMode, ResolvedPoolOptions } from './options.js';
import { planUdfNames } from './plan-names.js';
import { type PoolStats, StatsBook } from './stats.js';
import { epochMs } from './task.js';
import type { DeferredElement, ExecutorPool } from './types.js';
import { UdfMetricsBook } from './udf-metrics.js';

/** What a task gives back: its result and what the books need of it. */
interface Done<T> {
  value: T;
  size: number;
  rowsOut: number;
  metrics: CallMetrics[];
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
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;
  // Rejected by a forced close: running tasks stop being waited for.
  #rejectAll: (e: Error) => void = () => {};
  readonly #forced = new Promise<never>((_, reject) => {
    this.#rejectAll = reject;
  });

  constructor(o: ResolvedPoolOptions) {
    this.#o = o;
    this.#runner = new ElementRunner(o.planOptions, { allocateOutput: (n) => this.#outputs.take(n) });
    // Admitted tasks all run at once here, so only as many as may run concurrently are admitted.
    this.#admission = new Admission(o.asyncConcurrency, o.maxQueuedBytes);
    this.#forced.catch(() => {});
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
    return this.#track(planKey, plan, bytes, async (info) => {
      const out = await this.#runner.run(planKey, plan, bytes, mode, info, context);
      return { value: out.bytes, size: out.bytes.byteLength, rowsOut: out.rowsOut, metrics: out.metrics };
    });
  }

  runDeferred(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    group?: string,
    context: unknown = group,
  ): Promise<DeferredElement> {
    return this.#track(planKey, plan, bytes, async (info) => {
      const out = await this.#runner.runDeferred(planKey, plan, bytes, info, context);
      return { value: out.element, size: out.element.size, rowsOut: out.rowsOut, metrics: out.metrics };
    });
  }

  #track<T>(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    work: (info: { rowsIn: number }) => Promise<Done<T>>,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(new PoolClosedError('the executor pool is closed'));
    const p = this.#run(planKey, plan, bytes, work);
    this.#inFlight.add(p);
    const forget = () => this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  async #run<T>(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    run: (info: { rowsIn: number }) => Promise<Done<T>>,
  ): Promise<T> {
    const submittedAt = epochMs();
    const bytesIn = bytes.byteLength;
    const wait = this.#admission.acquire(bytesIn);
    if (wait) await wait;
    const startedAt = epochMs();
    const info = { rowsIn: 0 };
    let out: Done<T> | undefined;
    try {
      const work = run(info);
      work.catch(() => {}); // a failure after a forced close or a timeout is not unhandled
      out = await Promise.race([
        this.#o.udfTimeoutMs > 0 ? this.#withTimeout(work, plan) : work,
        this.#forced,
      ]);
      return out.value;
    } finally {
      this.#stats.record({
        threadId: 0,
        ok: out !== undefined,
        rowsIn: info.rowsIn,
        rowsOut: out?.rowsOut ?? 0,
        bytesIn,
        bytesOut: out?.size ?? 0,
        busyMs: epochMs() - startedAt,
        queueWaitMs: startedAt - submittedAt,
      });
      const metrics = out?.metrics ?? this.#runner.takeMetrics(planKey);
      if (metrics.length > 0) this.#udf.add(planKey, metrics);
      this.#admission.release(bytesIn);
    }
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
    if (opts.force)
      this.#rejectAll(new PoolClosedError('the executor pool was closed before the task could finish'));
    await Promise.allSettled([...this.#inFlight]);
  }
}
