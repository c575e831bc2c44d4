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

type Event =
  | { kind: 'input'; r: IteratorResult<Chunk> }
  | { kind: 'head' }
  | { kind: 'timer' }
  | { kind: 'failed' };

/** Runs `chunks` through the worker behind `ctx.transport`; yields the output batches in order. */
export async function* runOperator(
  chunks: AsyncIterable<Chunk>,
  ctx: OperatorContext,
  opts: BundlingOptions = {},
): AsyncGenerator<RecordBatch> {
  const o = { ...DEFAULT_BUNDLING, ...opts };
  for (const [k, v] of Object.entries(o)) {
    if (!(typeof v === 'number' && v > 0)) throw new RangeError(`${k} must be a positive number, got ${v}`);
  }
  const m = ctx.metrics;
  const it = chunks[Symbol.asyncIterator]();
  const inflight: Bundle[] = [];
  let open: Bundle | undefined;
  let openTimer: Promise<Event> | undefined;
  let timerHandle: ReturnType<typeof setTimeout> | undefined;
  let pendingInput: Promise<Event> | undefined;
  let inputDone = false;
  let stopPulling = false;
  let firstSent = 0;
  let lastSettled = 0;
  // A failed bundle wakes the loop through a fresh promise per wait: Promise.race leaves a reaction
  // on every promise it races, and on one that never settles those reactions would keep each race's
  // result (an input chunk and its buffers) alive until the run ends — a leak in a long run.
  let anyFailed = false;
  let signalFailed: (() => void) | undefined;
  const failedWait = (): Promise<Event> =>
    anyFailed
      ? Promise.resolve({ kind: 'failed' })
      : new Promise<Event>((r) => {
          signalFailed = () => r({ kind: 'failed' });
        });

  const closeOpen = async (): Promise<void> => {
    const b = open;
    if (!b) return;
    open = undefined;
    if (timerHandle) clearTimeout(timerHandle);
    timerHandle = undefined;
    openTimer = undefined;
    const wait = b.finish();
    if (wait) await wait;
  };

  const openBundle = (): Bundle => {
    const b = new Bundle(ctx.transport, {
      descriptorId: ctx.descriptorId,
      codec: ctx.codec,
      outputSchema: ctx.outputSchema,
      metrics: m,
      flushBytes: o.flushBytes,
      timeoutMs: ctx.timeoutMs,
      retry: ctx.retry,
    });
    b.settled.then(() => {
      if (b.error) {
        anyFailed = true;
        signalFailed?.();
      }
    });
    b.start();
    m.bundles++;
    inflight.push(b);
    openTimer = new Promise<Event>((r) => {
      timerHandle = setTimeout(() => r({ kind: 'timer' }), o.bundleTimeMs);
    });
    return b;
  };

  try {
    while (true) {
      // Yield every completed bundle at the head, in order.
      while (inflight.length > 0 && inflight[0] !== open && isSettled(inflight[0]!)) {
        const b = inflight.shift()!;
        if (b.error) throw b.error;
        ctx.monitoring.add(b.monitoringInfos);
        m.udfMs = ctx.udfTime(ctx.monitoring);
        lastSettled = Math.max(lastSettled, b.settledAt);
        m.elapsedMs = lastSettled - firstSent;
        for (const r of b.results) {
          m.outputRows += r.numRows;
          yield r;
        }
        b.results.length = 0;
      }
      if (inputDone && inflight.length === 0) return;

      const waits: Promise<Event>[] = [];
      const canPull =
        !inputDone && !stopPulling && (open !== undefined || inflight.length < o.maxBundlesInFlight);
      if (canPull) {
        pendingInput ??= it.next().then((r) => ({ kind: 'input', r }) as Event);
        waits.push(pendingInput);
      }
      const head = inflight[0];
      if (head && head !== open) waits.push(head.settled.then(() => ({ kind: 'head' }) as Event));
      if (openTimer) waits.push(openTimer);
      if (!stopPulling) waits.push(failedWait());
      if (waits.length === 0) {
        // Only the open bundle is left and input is over or stopped: close it.
        await closeOpen();
        continue;
      }
      const t0 = performance.now();
      const ev = await Promise.race(waits);
      // Blocked with no input to take: the time goes to the worker and the transport.
      if (!canPull) m.waitMs += performance.now() - t0;

      switch (ev.kind) {
        case 'input': {
          pendingInput = undefined;
          if (ev.r.done) {
            inputDone = true;
            await closeOpen();
            break;
          }
          const chunk = ev.r.value;
          if (!open) {
            open = openBundle();
            if (firstSent === 0) firstSent = performance.now();
          }
          m.rows += chunk.udfInput.numRows;
          m.batches++;
          const wait = open.add(chunk);
          if (wait) await wait;
          if (open && (open.rows >= o.bundleSize || chunk.flush)) await closeOpen();
          break;
        }
        case 'timer':
          await closeOpen();
          break;
        case 'failed':
          // A bundle failed: take no more input; earlier bundles still finish and are yielded.
          stopPulling = true;
          await closeOpen();
          break;
        case 'head':
          break;
      }
    }
  } finally {
    if (timerHandle) clearTimeout(timerHandle);
    // Stopped early (consumer broke off, or a failure): drop what is in flight.
    for (const b of inflight)
      if (!isSettled(b)) b.fail(new Error('the run was stopped before this bundle finished'));
    if (!inputDone) await it.return?.();
  }
}

function isSettled(b: Bundle): boolean {
  return b.settledAt > 0;
}
