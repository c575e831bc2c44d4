/**
 * What a run measured. Runner-side stage times are wall-clock sums over the run; `udfMs` and
 * `worker` come from the worker's monitoring infos (summed over bundles).
 *
 * `elapsedMs` runs from the first batch sent to the last result received: worker start-up and
 * the time the consumer spends with the results after the last one are excluded.
 */
import type { MetricValue } from './monitoring.js';

export interface RunMetrics {
  /** `vectorized`, `row` or `aggregate`. */
  mode: string;
  /** Input rows. */
  rows: number;
  /** Output rows (= input rows, or groups for an aggregate). */
  outputRows: number;
  /** Input batches sent (Arrow batches; for aggregates, groups). */
  batches: number;
  bundles: number;
  /** Bytes of element data sent and received (the Arrow / row-coder payloads). */
  bytesSent: number;
  bytesReceived: number;
  elapsedMs: number;
  /** Cutting and concatenating batches, selecting columns. */
  cutMs: number;
  /** Encoding the UDF input (Arrow IPC or rows). */
  encodeMs: number;
  /** Handing messages to gRPC, including waits for its buffer to drain. */
  sendMs: number;
  /** Time the operator waited for results with nothing else to do (worker + transport). */
  waitMs: number;
  /** Decoding the results. */
  decodeMs: number;
  /** Joining results with the forwarded columns. */
  joinMs: number;
  /** Time spent waiting for the input source. */
  inputMs: number;
  /** Time in the UDFs, as the worker reports it. */
  udfMs: number;
  /** Every metric the worker reported, summed over bundles. */
  worker: MetricValue[];
}

export function emptyMetrics(mode: string): RunMetrics {
  return {
    mode,
    rows: 0,
    outputRows: 0,
    batches: 0,
    bundles: 0,
    bytesSent: 0,
    bytesReceived: 0,
    elapsedMs: 0,
    cutMs: 0,
    encodeMs: 0,
    sendMs: 0,
    waitMs: 0,
    decodeMs: 0,
    joinMs: 0,
    inputMs: 0,
    udfMs: 0,
    worker: [],
  };
}
