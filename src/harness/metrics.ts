/**
 * The worker's metrics as Beam monitoring infos.
 *
 * Per UDF call (what issue 4 asks for and what Flink can show): user counters
 * `beam:metric:user:sum_int64:v1` with labels PTRANSFORM (the UDF transform), NAMESPACE and NAME:
 * NAME is `udf_rows`, `udf_batches` or `udf_ns` (time inside the UDF, nanoseconds); NAMESPACE is
 * the JSON array Flink's `FlinkMetricContainer` parses into metric groups —
 * `["vecudf", "<udf>", "<output>", "MetricGroupType.generic" ×3]`, i.e. the Flink metric
 * `…vecudf.<udf>.<output>.udf_rows`. Plus `beam:metric:element_count:v1` per PCollection.
 *
 * Per stage of the data path (what the benchmarks' breakdown reads): `decode_ns` and `encode_ns`,
 * user counters with the same PTRANSFORM and NAMESPACE `["vecudf", "worker", …]` — the time this
 * process's main thread spent decoding input elements and encoding results (src/codec/codec-clock.ts;
 * with worker threads that work happens on the threads, which do not report it yet, so these stay
 * absent), reported with each bundle as the time gained since the previous report.
 *
 * Values are deltas: Flink adds every reported value to its counter, so each bundle reports what
 * was counted since the previous report of the same plan — the sum over bundles is exact even
 * when bundles of one plan overlap.
 *
 * Every info also gets a short id (`monitoring_data`, for runners that ask for short ids with
 * MonitoringInfosMetadataRequest), and the harness keeps worker-wide totals for
 * HarnessMonitoringInfosRequest.
 *
 * @example
 * const infos = metrics.udfInfos(stage, pool.udfMetrics(stage.planKey));
 * response.monitoringInfos = infos; response.monitoringData = metrics.shortIdData(infos);
 */
import { codecClock } from '../codec/codec-clock.js';
import type { CallMetrics } from '../exec/metrics.js';
import type { MonitoringInfo } from '../proto/pipeline.js';
import type { Stage } from './stages.js';

export const USER_SUM_INT64 = 'beam:metric:user:sum_int64:v1';
export const SUM_INT64 = 'beam:metrics:sum_int64:v1';
export const ELEMENT_COUNT = 'beam:metric:element_count:v1';
const GENERIC = 'MetricGroupType.generic';

/** Encodes a non-negative integer as a varint (the sum_int64 payload). */
export function varintPayload(n: number): Uint8Array {
  let v = Math.max(0, Math.round(n));
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** Flink's metric-group namespace for one UDF call. */
export function udfNamespace(udf: string, output: string): string {
  return JSON.stringify(['vecudf', udf, output, GENERIC, GENERIC, GENERIC]);
}

function info(urn: string, labels: Record<string, string>, value: number): MonitoringInfo {
  return { urn, type: SUM_INT64, payload: varintPayload(value), labels };
}

export interface HarnessTotals {
  bundles: number;
  bundlesFailed: number;
  elementsIn: number;
  elementsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export class WorkerMetrics {
  /** Per plan: the totals already reported, to report deltas. */
  readonly #reported = new Map<string, Map<string, CallMetrics>>();
  readonly #shortIds = new Map<string, string>();
  readonly #byShortId = new Map<string, MonitoringInfo>();
  readonly totals: HarnessTotals = {
    bundles: 0,
    bundlesFailed: 0,
    elementsIn: 0,
    elementsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
  };

  /** Codec time already reported. */
  readonly #codecReported = { decodeMs: 0, encodeMs: 0 };

  /**
   * Decode / encode time since the last report, as infos on the stage's transform (none while
   * nothing was counted on this thread).
   */
  codecInfos(stage: Stage): MonitoringInfo[] {
    const r = this.#codecReported;
    const decode = codecClock.decodeMs - r.decodeMs;
    const encode = codecClock.encodeMs - r.encodeMs;
    r.decodeMs = codecClock.decodeMs;
    r.encodeMs = codecClock.encodeMs;
    if (decode <= 0 && encode <= 0) return [];
    const labels = (name: string) => ({
      PTRANSFORM: stage.transformId,
      NAMESPACE: JSON.stringify(['vecudf', 'worker', GENERIC, GENERIC]),
      NAME: name,
    });
    return [
      info(USER_SUM_INT64, labels('decode_ns'), decode * 1e6),
      info(USER_SUM_INT64, labels('encode_ns'), encode * 1e6),
    ];
  }

  /** UDF counters of a stage since its last report (`cumulative` = the pool's running totals). */
  udfInfos(stage: Stage, cumulative: readonly CallMetrics[]): MonitoringInfo[] {
    let seen = this.#reported.get(stage.planKey);
    if (!seen) this.#reported.set(stage.planKey, (seen = new Map()));
    const out: MonitoringInfo[] = [];
    for (const m of cumulative) {
      const k = `${m.output}\u0000${m.udf}`;
      const prev = seen.get(k) ?? { output: m.output, udf: m.udf, rows: 0, batches: 0, ms: 0 };
      seen.set(k, { ...m });
      const labels = (name: string) => ({
        PTRANSFORM: stage.transformId,
        NAMESPACE: udfNamespace(m.udf, m.output),
        NAME: name,
      });
      out.push(info(USER_SUM_INT64, labels('udf_rows'), m.rows - prev.rows));
      out.push(info(USER_SUM_INT64, labels('udf_batches'), m.batches - prev.batches));
      out.push(info(USER_SUM_INT64, labels('udf_ns'), (m.ms - prev.ms) * 1e6));
    }
    out.push(...this.codecInfos(stage));
    return out;
  }

  /** Element counts of a stage's input and output PCollections in one bundle. */
  elementInfos(stage: Stage, elementsIn: number, elementsOut: number): MonitoringInfo[] {
    return [
      info(ELEMENT_COUNT, { PCOLLECTION: `${stage.source.transformId}` }, elementsIn),
      info(ELEMENT_COUNT, { PCOLLECTION: `${stage.sink.transformId}` }, elementsOut),
    ];
  }

  #shortId(mi: MonitoringInfo): string {
    const k = `${mi.urn}|${Object.entries(mi.labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([a, b]) => `${a}=${b}`)
      .join(',')}`;
    let id = this.#shortIds.get(k);
    if (!id) {
      id = `m${this.#shortIds.size + 1}`;
      this.#shortIds.set(k, id);
      this.#byShortId.set(id, { ...mi, payload: new Uint8Array(0) });
    }
    return id;
  }

  /** `monitoring_data`: short id → payload of each info. */
  shortIdData(infos: readonly MonitoringInfo[]): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {};
    for (const mi of infos) out[this.#shortId(mi)] = mi.payload;
    return out;
  }

  /** The full infos (without payload) of the given short ids (MonitoringInfosMetadataRequest). */
  metadata(ids: readonly string[]): Record<string, MonitoringInfo> {
    const out: Record<string, MonitoringInfo> = {};
    for (const id of ids) {
      const mi = this.#byShortId.get(id);
      if (mi) out[id] = mi;
    }
    return out;
  }

  /** Worker-wide totals as infos (HarnessMonitoringInfosRequest, reported by short id). */
  harnessInfos(): MonitoringInfo[] {
    const t = this.totals;
    const c = (name: string, v: number) =>
      info(
        USER_SUM_INT64,
        { NAMESPACE: JSON.stringify(['vecudf', 'worker', GENERIC, GENERIC]), NAME: name },
        v,
      );
    return [
      c('bundles', t.bundles),
      c('bundles_failed', t.bundlesFailed),
      c('elements_in', t.elementsIn),
      c('elements_out', t.elementsOut),
      c('bytes_in', t.bytesIn),
      c('bytes_out', t.bytesOut),
    ];
  }
}
