/**
 * Per-call counters the executors accumulate: rows and batches seen and wall time spent in the
 * user function (result checks and conversions included, argument reading excluded where the two
 * can be told apart). The worker reads them with `snapshotMetrics` and reports them as monitoring infos.
 */

export interface CallMetrics {
  /** The call's output name (`f0`, …) and the UDF's name. */
  readonly output: string;
  readonly udf: string;
  rows: number;
  batches: number;
  ms: number;
}

export function newCallMetrics(output: string, udf: string): CallMetrics {
  return { output, udf, rows: 0, batches: 0, ms: 0 };
}

/** Adds one batch of `rows` rows that took `ms` milliseconds. */
export function recordBatch(m: CallMetrics, rows: number, ms: number): void {
  m.rows += rows;
  m.batches += 1;
  m.ms += ms;
}

/** A copy that later batches do not change (safe to send to another thread or serialize). */
export function copyMetrics(ms: readonly CallMetrics[]): CallMetrics[] {
  return ms.map((m) => ({ ...m }));
}

export function resetMetrics(ms: readonly CallMetrics[]): void {
  for (const m of ms) {
    m.rows = 0;
    m.batches = 0;
    m.ms = 0;
  }
}
