/**
 * The shape of a benchmark run's results (docs/benchmarks/results.json): one entry per
 * measurement, the skipped cases with their reason, and the machine the run was made on.
 *
 * `mode` is `vectorized`, `row`, `limit` (a hand-written typed-array loop, or raw gRPC loopback
 * for end-to-end), or a peer's name (`pandas`, `pandas-loop`, `pandas-apply`, `danfo`, `arquero`).
 *
 * @example
 * const m: Measurement = { suite: 'numeric', level: 'function', case: 'a*2+b', mode: 'vectorized',
 *   batchSize: 10_000, threads: 0, rows: 1_000_000, ms: 4.2, rowsPerSec: 2.4e8 };
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { ProfileSummary } from './cpu-profile.js';

export type Level = 'function' | 'e2e';

/** Where an end-to-end run's time went, ms summed over the run (stages overlap across bundles). */
export interface StageTimes {
  /** First batch sent → last result received. */
  elapsedMs: number;
  /** Runner: cutting batches, selecting columns. */
  cutMs: number;
  /** Runner: encoding the UDF input (Arrow IPC or rows). */
  encodeMs: number;
  /** Runner: handing messages to gRPC. */
  sendMs: number;
  /** Runner: waiting for results with nothing else to do (worker + transport). */
  waitMs: number;
  /** Runner: decoding the results. */
  decodeMs: number;
  /** Runner: joining results with the forwarded columns. */
  joinMs: number;
  /** Worker: time inside the UDF (its udf_ns monitoring info). */
  udfMs: number;
  /**
   * Worker: decoding the input and encoding the results, estimated from the same codec run in
   * process on the same batches (the worker does not report these stages).
   */
  workerCodecMs?: number;
  /** Other `*_ns` stage counters the worker reported, ms by name (`decode`, `encode`; see harness/metrics.ts). */
  worker?: Record<string, number>;
  /** What remains of the wait: transport (gRPC, HTTP/2) and the worker's event loop (and its decode/encode when not reported). */
  transportMs: number;
  bytesSent: number;
  bytesReceived: number;
}

/**
 * End to end, the vectorized runs measured side by side with the row-wise ones (the vectorized /
 * row-wise ratio comes from this pair; `vectorized` itself is measured beside the raw limit).
 */
export const VECTORIZED_BESIDE_ROW = 'vectorized beside row';

export interface Measurement {
  suite: string;
  level: Level;
  /** The computation, e.g. `a*2+b`. */
  case: string;
  mode: string;
  /** Rows per Arrow batch (peers working on one whole column: the row count). */
  batchSize: number;
  /** Worker threads end to end (0 at function level: the calling thread). */
  threads: number;
  rows: number;
  /** Median time of one pass over `rows`, ms. */
  ms: number;
  rowsPerSec: number;
  /** Bytes moved per second (input + output data), where meaningful. */
  mbPerSec?: number;
  /** Number of timed passes the median is over. */
  samples?: number;
  stages?: StageTimes;
  note?: string;
}

export interface Skipped {
  suite: string;
  case?: string;
  mode: string;
  reason: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  arch: string;
  totalMemGiB: number;
  freeMemGiB: number;
  /** 1, 5 and 15-minute load averages at the start and at the end of the run. */
  loadAvgStart: number[];
  loadAvgEnd: number[];
  python?: string;
}

export interface BenchResults {
  version: 1;
  /** ISO date of the start of the run. */
  date: string;
  durationMs: number;
  quick: boolean;
  /** The options the run was made with (suites, rows, batch sizes, threads). */
  options: Record<string, unknown>;
  machine: Machine;
  /** The suites that ran, with the description the report shows. */
  suites?: { name: string; level: Level; title: string; description: string }[];
  measurements: Measurement[];
  skipped: Skipped[];
  /** Free-text remarks a suite made (e.g. what it could not measure). */
  notes: string[];
  /** CPU profiles taken during the run (end to end: the worker process), summarized. */
  profiles?: ProfileSummary[];
}

/** The machine as it is now (load average included). */
export function machineInfo(): Machine {
  const c = cpus();
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    totalMemGiB: round(totalmem() / 2 ** 30),
    freeMemGiB: round(freemem() / 2 ** 30),
    loadAvgStart: loadavg().map(round),
    loadAvgEnd: [],
  };
}

/** The measurement matching every given field, if any. */
export function find(ms: readonly Measurement[], where: Partial<Measurement>): Measurement | undefined {
  return ms.find((m) =>
    Object.entries(where).every(([k, v]) => (m as unknown as Record<string, unknown>)[k] === v),
  );
}
