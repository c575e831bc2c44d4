/**
 * Burst: a producer much faster than the UDF, through the real runner → worker path (a `vecudf
 * worker` child process, 2 threads). 400 MB of DOUBLE input go through `slowIdentity` (sleeps
 * 200 ms per batch, 8 batches at once per thread) in bundles far larger than the worker may hold,
 * so only backpressure keeps the worker's memory bounded: its Data stream pauses when 64 MiB wait
 * unread and the pool admits a bounded number of batches; HTTP/2 flow control then holds the
 * runner's sends back. Asserted: every row comes back right; the bytes the runner has sent and
 * not yet had answered (what the worker and the transport hold) stay under 144 MB, about a third
 * of the input; the worker's RSS grows by less than 60% of the input (a worker that kept its input
 * would grow by all of it). Two bursts run back to back, so the bound is shown not to grow with the
 * input. Measured on 2 cores: 13–21 s per burst (up to ~50 s on a loaded machine), 30–122 MB
 * unanswered, RSS +240–360 MB.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Field, Float64, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssBytes } from '../../bench/soak-proc.js';
import { Runner, type RunSpec } from '../../src/runner/runner.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const UDFS = join(root, 'test', 'helpers', 'udfs.ts');
const MB = 2 ** 20;

const INPUT_BYTES = 400 * MB;
const BATCH_ROWS = 50_000; // 400 KB per batch: 200 ms each, up to 16 at once on the two threads
const TOTAL_ROWS = INPUT_BYTES / 8;
const BURSTS = 2;

const schema = new Schema([new Field('a', new Float64(), false)]);

/** As fast as the runner pulls: batches of 0, 1, 2, … (row i holds i). */
async function* fastProducer(rows: number): AsyncGenerator<RecordBatch> {
  for (let first = 0; first < rows; first += BATCH_ROWS) {
    const n = Math.min(BATCH_ROWS, rows - first);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = first + i;
    const col = makeData({ type: new Float64(), length: n, nullCount: 0, data: a });
    yield new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children: [col] }));
  }
}

const spec = (bundleSize: number): RunSpec => ({
  plan: { calls: [{ udf: { module: UDFS, export: 'slowIdentity' }, args: [{ column: 0 }] }] },
  arrowBatchSize: BATCH_ROWS,
  // 5M-row bundles (40 MB each), 6 in flight: the runner offers the worker 240 MB at once.
  bundleSize,
  maxBundlesInFlight: 6,
  bundleTimeMs: 60_000,
});

let runner: Runner;
beforeAll(async () => {
  runner = await Runner.start({ threads: 2 });
});
afterAll(async () => {
  await runner?.close();
});

describe('a burst into a slow UDF', () => {
  it('keeps the worker bounded by backpressure and loses nothing', { timeout: 240_000 }, async () => {
    const pid = runner.worker.pid!;
    expect(pid).toBeGreaterThan(0);
    // Load the UDF and start the thread first, so the baseline is the worker at work, not at rest.
    for await (const _ of runner.run(fastProducer(4 * BATCH_ROWS), spec(BATCH_ROWS))) {
    }
    const baseline = rssBytes(pid);
    if (baseline === undefined) return; // no /proc: nothing to measure here
    // Two bursts back to back: a bound holds for the second as for the first, while a worker that
    // kept (or leaked) its input would grow by both.
    const peaks: number[] = [];
    for (let burst = 1; burst <= BURSTS; burst++) {
      let peakRss = 0;
      let peakInFlight = 0;
      const run = runner.run(fastProducer(TOTAL_ROWS), spec(5_000_000));
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, rssBytes(pid) ?? 0);
        peakInFlight = Math.max(peakInFlight, run.metrics.bytesSent - run.metrics.bytesReceived);
      }, 50);
      let rows = 0;
      let wrong = 0;
      const t0 = performance.now();
      try {
        for await (const out of run) {
          const a = out.getChild('a')!.toArray() as Float64Array;
          const r = out.getChild('result')!.toArray() as Float64Array;
          for (let i = 0; i < out.numRows; i++) {
            if (a[i] !== rows + i || r[i] !== a[i]) wrong++;
          }
          rows += out.numRows;
        }
      } finally {
        clearInterval(sampler);
      }
      const seconds = (performance.now() - t0) / 1000;
      peaks.push(peakRss);
      console.log(
        `burst ${burst}: ${INPUT_BYTES / MB} MB in ${seconds.toFixed(1)} s; worker RSS ${(baseline / MB).toFixed(0)} → peak ` +
          `${(peakRss / MB).toFixed(0)} MB (+${((peakRss - baseline) / MB).toFixed(0)} MB); sent-but-unanswered peak ` +
          `${(peakInFlight / MB).toFixed(0)} MB; runner send time ${(run.metrics.sendMs / 1000).toFixed(1)} s; ` +
          `runner RSS ${((rssBytes(process.pid) ?? 0) / MB).toFixed(0)} MB`,
      );
      expect(rows).toBe(TOTAL_ROWS);
      expect(wrong).toBe(0);
      // The runner was held back: most of the run it was waiting to send, not sending.
      expect(run.metrics.sendMs / 1000).toBeGreaterThan(seconds / 4);
      // Bounded by the worker's limits (64 MiB unread + the pool's queue + gRPC buffers), not by
      // the input (400 MB) nor by what the runner offered (240 MB).
      // By design ~115 MB: 64 MiB read ahead, 48 admitted 400 KB batches, gRPC's buffered messages.
      expect(peakInFlight).toBeLessThan(144 * MB);
    }
    // RSS adds the collectors' slack: V8 collects dead ArrayBuffers only once the heap plus its
    // external memory reach a multiple of what was live after the last full GC (4× with the
    // worker's `--heap-growing-percent=300`, src/util/heap-tuning.ts), in each of the worker's
    // three isolates (main thread + 2 pool threads), so one burst grows RSS by ~250–360 MB.
    // A worker that kept its input would grow by all 800 MB.
    const growth = Math.max(...peaks) - baseline;
    expect(growth).toBeLessThan(0.6 * BURSTS * INPUT_BYTES);
  });
});
