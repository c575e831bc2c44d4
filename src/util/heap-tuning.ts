/**
 * V8 heap tuning for processes on the data plane (worker, runner).
 *
 * Their memory traffic is mostly off the JavaScript heap: gRPC's message buffers, the Arrow
 * column buffers, ~50 MB of ArrayBuffers per million rows of plus(a, b) on each side, while the
 * JavaScript heap itself stays near 15 MB. V8 counts ArrayBuffer memory allocated since the last
 * full GC against the old generation's limit, which it sets at only ~2× the live heap — so a few
 * MB of in-flight buffers promoted by a scavenge started a full mark-compact every ~70 ms
 * (`--trace-gc`: 14–18 per 10 runs of 1M rows in the worker, 7–26 ms each). With the limit at
 * 4× the live heap (`--heap-growing-percent=300`), measured in the same runs: 1–2 mark-compacts,
 * GC pauses 112 → 36–46 ms, worker CPU per 1M rows 90 → 55–62 ms. The cost is a JavaScript heap
 * allowed to grow to 4× its live size between full GCs (60 MB for a 15 MB worker); V8's maximum
 * heap size still bounds it. Under a burst that fills the worker's read-ahead (~120 MB in flight,
 * test/reliability/backpressure-burst.test.ts) its RSS peaks ~290 MB above rest with this factor,
 * ~245 MB with V8's own; `VECUDF_HEAP_GROWING_PERCENT` trades the CPU back for memory.
 *
 * @example
 * tuneHeapForDataPlane(); // once, at start-up
 */
import { setFlagsFromString } from 'node:v8';

/** The heap-growing factor used (percent over the live size). */
export const HEAP_GROWING_PERCENT = 300;

let tuned = false;

/**
 * Raises V8's heap-growing factor for this process (idempotent). Skipped when the process was
 * started with its own `--heap-growing-percent` on the command line. Node refuses that flag in
 * NODE_OPTIONS, so `VECUDF_HEAP_GROWING_PERCENT` sets it for a process and the workers it spawns
 * (`0` leaves V8's default).
 */
export function tuneHeapForDataPlane(): void {
  if (tuned) return;
  tuned = true;
  const given = process.execArgv.some((a) => /--heap[-_]growing[-_]percent/.test(a));
  if (given) return;
  const env = process.env.VECUDF_HEAP_GROWING_PERCENT;
  const percent = env === undefined || env === '' ? HEAP_GROWING_PERCENT : Number(env);
  if (!Number.isInteger(percent) || percent < 0) {
    throw new Error(`VECUDF_HEAP_GROWING_PERCENT must be a whole number of percent, got '${env}'`);
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
