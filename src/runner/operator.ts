/**
 * The operator loop: pulls input batches, groups them into bundles, keeps a bounded number of
 * bundles in flight, and yields the results in input order.
 *
 * A bundle closes at `bundleSize` input rows or `bundleTimeMs` after it opened, whichever comes
 * first (Flink's `python.fn-execution.bundle.size` / `.bundle.time`). At most
 * `maxBundlesInFlight` bundles are open or awaiting results: when that many are, the loop stops
 * pulling input until the oldest one completes (backpressure; memory stays bounded by the
 * bundles in flight). Results are yielded bundle by bundle, oldest first, and only once a bundle
 * completed as a whole — a failed bundle throws its error where its rows would have been.
 */
import type { RecordBatch } from 'apache-arrow';
import { Bundle, type BundleOptions, type BundleTransport, type Chunk, type WorkerSlot } from './bundle.js';
import type { ChunkSource } from './chunks.js';
import type { RunMetrics } from './metrics.js';
import type { MonitoringTotals } from './monitoring.js';

export interface BundlingOptions {
  /** Input rows per bundle (default 100,000). */
  bundleSize?: number;
  /** Longest time a bundle stays open, in ms (default 1,000). */
  bundleTimeMs?: number;
  /** Bundles open or awaiting results at once (default 4). */
  maxBundlesInFlight?: number;
  /** Bytes of input buffered before a Data message is sent (default 1,000,000, as Beam's runner). */
  flushBytes?: number;
}

export const DEFAULT_BUNDLING: Required<BundlingOptions> = {
  bundleSize: 100_000,
  bundleTimeMs: 1_000,
  maxBundlesInFlight: 4,
  flushBytes: 1_000_000,
};

export interface OperatorContext extends Omit<BundleOptions, 'flushBytes'> {
  /** The worker, or a slot for whichever worker is current (retries replace a dead one). */
  transport: BundleTransport | WorkerSlot;
  metrics: RunMetrics;
  /** Called with each bundle's worker metrics. */
  monitoring: MonitoringTotals;
  /** Which worker metric holds the UDF time in ns, to fill `metrics.udfMs`. */
  udfTime: (totals: MonitoringTotals) => number;
}

/** Runs `chunks` through the worker behind `ctx.transport`; yields the output batches in order. */
export async function* runOperator(
  chunks: AsyncIterable<Chunk> | ChunkSource,
  ctx: OperatorContext,
  opts: BundlingOptions = {},
): AsyncGenerator<RecordBatch> {
  const op = new Operator(chunks, ctx, opts);
  const m = ctx.metrics;
  try {
    while (true) {
      // Yield every completed bundle at the head, in order.
      for (let b = op.completedHead(); b !== undefined; b = op.completedHead()) {
        for (const r of b.results) {
          m.outputRows += r.numRows;
          yield r;
        }
        b.results.length = 0;
      }
      if (op.finished) return;
      const wait = op.step();
      if (wait !== undefined) await wait;
    }
  } finally {
    await op.stop();
  }
}

/**
 * The operator's state between events. `step()` does what can be done now (take a chunk, close
 * a bundle whose time is up, react to a failure) or returns a promise that resolves at the next
 * event: a chunk arrived, a bundle settled, the open bundle's time is up. Events only set flags
 * and wake the loop, so waiting costs one promise, and a chunk at hand (a synchronous source)
 * none.
 */
class Operator {
  private readonly o: Required<BundlingOptions>;
  private readonly it: AsyncIterator<Chunk> & { poll?(): IteratorResult<Chunk> | undefined };
  private readonly inflight: Bundle[] = [];
  private open: Bundle | undefined;
  /**
   * The open bundle's time limit: one timer for the whole run, restarted (`refresh`) when a
   * bundle opens rather than made and cleared per bundle. `timerArmed` while a bundle is open;
   * a timer that fires with none open is ignored.
   */
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerArmed = false;
  private timerFired = false;
  /** A `next()` of the chunks not yet resolved. */
  private pendingInput = false;
  private inputResult: IteratorResult<Chunk> | undefined;
  private inputError: { e: unknown } | undefined;
  private inputDone = false;
  /** A bundle failed: no more input is taken (earlier bundles still finish and are yielded). */
  private failed = false;
  private stopPulling = false;
  private firstSent = 0;
  private lastSettled = 0;
  private wakeUp: (() => void) | undefined;
  /** performance.now() when a wait with nothing to pull started (-1: none). */
  private waitStart = -1;

  constructor(
    chunks: AsyncIterable<Chunk> | ChunkSource,
    private readonly ctx: OperatorContext,
    opts: BundlingOptions,
  ) {
    const o = { ...DEFAULT_BUNDLING, ...opts };
    for (const [k, v] of Object.entries(o)) {
      if (!(typeof v === 'number' && v > 0)) throw new RangeError(`${k} must be a positive number, got ${v}`);
    }
    this.o = o;
    this.it = chunks[Symbol.asyncIterator]();
  }

  get finished(): boolean {
    return this.inputDone && this.inflight.length === 0;
  }

  /** Removes and returns the head bundle once it completed (throws its error if it failed). */
  completedHead(): Bundle | undefined {
    const b = this.inflight[0];
    if (b === undefined || b === this.open || b.settledAt === 0) return undefined;
    this.inflight.shift();
    if (b.error) throw b.error;
    const m = this.ctx.metrics;
    this.ctx.monitoring.add(b.monitoringInfos);
    m.udfMs = this.ctx.udfTime(this.ctx.monitoring);
    this.lastSettled = Math.max(this.lastSettled, b.settledAt);
    m.elapsedMs = this.lastSettled - this.firstSent;
    return b;
  }

  private canPull(): boolean {
    return (
      !this.inputDone &&
      !this.stopPulling &&
      (this.open !== undefined || this.inflight.length < this.o.maxBundlesInFlight)
    );
  }

  /** Acts on what is at hand; returns what to wait for before the next step, if anything. */
  step(): Promise<void> | undefined {
    if (this.timerFired) {
      this.timerFired = false;
      return this.closeOpen();
    }
    if (this.failed && !this.stopPulling) {
      this.stopPulling = true;
      return this.closeOpen();
    }
    const canPull = this.canPull();
    if (canPull) {
      if (this.inputError !== undefined) throw this.inputError.e;
      let r = this.inputResult;
      if (r !== undefined) this.inputResult = undefined;
      else if (!this.pendingInput && this.it.poll !== undefined) r = this.it.poll();
      if (r !== undefined) return this.onInput(r);
      if (!this.pendingInput) {
        this.pendingInput = true;
        this.it.next().then(
          (x) => {
            this.pendingInput = false;
            this.inputResult = x;
            this.wake();
          },
          (e: unknown) => {
            this.pendingInput = false;
            this.inputError = { e };
            this.wake();
          },
        );
      }
    }
    const head = this.inflight[0];
    if (!canPull && (head === undefined || head === this.open) && !this.timerArmed) {
      // Only the open bundle is left and input is over or stopped: close it.
      if (this.stopPulling || this.inputDone) return this.closeOpen();
    }
    // Blocked with no input to take: the time goes to the worker and the transport.
    this.waitStart = canPull ? -1 : performance.now();
    return new Promise<void>((r) => {
      this.wakeUp = r;
    });
  }

  private wake(): void {
    const w = this.wakeUp;
    if (w === undefined) return;
    this.wakeUp = undefined;
    if (this.waitStart >= 0) {
      this.ctx.metrics.waitMs += performance.now() - this.waitStart;
      this.waitStart = -1;
    }
    w();
  }

  private onInput(r: IteratorResult<Chunk>): Promise<void> | undefined {
    if (r.done) {
      this.inputDone = true;
      return this.closeOpen();
    }
    const chunk = r.value;
    const m = this.ctx.metrics;
    let b = this.open;
    if (b === undefined) {
      b = this.openBundle();
      if (this.firstSent === 0) this.firstSent = performance.now();
    }
    m.rows += chunk.udfInput.numRows;
    m.batches++;
    const wait = b.add(chunk);
    const full = b.rows >= this.o.bundleSize || chunk.flush === true;
    if (wait === undefined) return full ? this.closeOpen() : undefined;
    return full ? wait.then(() => this.closeOpen()) : wait;
  }

  private closeOpen(): Promise<void> | undefined {
    const b = this.open;
    if (b === undefined) return undefined;
    this.open = undefined;
    this.timerArmed = false;
    this.timerFired = false;
    return b.finish();
  }

  private openBundle(): Bundle {
    const ctx = this.ctx;
    const b = new Bundle(ctx.transport, {
      descriptorId: ctx.descriptorId,
      codec: ctx.codec,
      outputSchema: ctx.outputSchema,
      metrics: ctx.metrics,
      flushBytes: this.o.flushBytes,
      timeoutMs: ctx.timeoutMs,
      retry: ctx.retry,
    });
    b.settled.then(() => {
      if (b.error) this.failed = true;
      this.wake();
    });
    b.start();
    ctx.metrics.bundles++;
    this.inflight.push(b);
    this.open = b;
    this.timerArmed = true;
    if (this.timer === undefined) this.timer = setTimeout(this.onTimer, this.o.bundleTimeMs);
    else this.timer.refresh();
    return b;
  }

  /** The timer fired: `bundleTimeMs` passed since the open bundle opened (it was restarted then). */
  private readonly onTimer = (): void => {
    if (!this.timerArmed || this.open === undefined) return;
    this.timerFired = true;
    this.wake();
  };

  /** Stopped (done, failed, or the consumer broke off): drop what is in flight, close the input. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerArmed = false;
    for (const b of this.inflight)
      if (b.settledAt === 0) b.fail(new Error('the run was stopped before this bundle finished'));
    if (!this.inputDone) await this.it.return?.();
  }
}
