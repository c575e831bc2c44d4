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
 * when bundles of one plan overlap (times are kept as whole nanoseconds reported so far, so the
 * deltas add up to the rounded total).
 *
 * Every info has a short id (`monitoring_data`, for runners that ask for short ids with
 * MonitoringInfosMetadataRequest): the same urn and labels always get the same id. The infos of a
 * stage are made once (labels, namespace JSON, short id and their protobuf bytes: `InfoSlot`),
 * so that a bundle's report is its slots and their values, encoded by copying
 * (control-codec.ts `encodeReportResponse`). The harness keeps worker-wide totals for
 * HarnessMonitoringInfosRequest.
 *
 * @example
 * const report = new MetricReport();
 * metrics.addUdfInfos(report, stage, pool.udfMetrics(stage.planKey));
 * metrics.addElementInfos(report, stage, counts.elementsIn, counts.elementsOut);
 * encodeReportResponse(id, 'processBundle', report.slots, report.values);
 */
import { codecClock } from '../codec/codec-clock.js';
import type { CallMetrics } from '../exec/metrics.js';
import type { MonitoringInfo } from '../proto/pipeline.js';
import { type InfoSlot, infoSlot } from './control-codec.js';
import type { Stage } from './stages.js';

export const USER_SUM_INT64 = 'beam:metric:user:sum_int64:v1';
export const SUM_INT64 = 'beam:metrics:sum_int64:v1';
export const ELEMENT_COUNT = 'beam:metric:element_count:v1';
const GENERIC = 'MetricGroupType.generic';
const WORKER_NAMESPACE = JSON.stringify(['vecudf', 'worker', GENERIC, GENERIC]);

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

/** The infos of one response, in order: their slots and values (whole, non-negative). */
export class MetricReport {
  readonly slots: InfoSlot[] = [];
  readonly values: number[] = [];

  add(slot: InfoSlot, value: number): void {
    this.slots.push(slot);
    this.values.push(value > 0 ? Math.round(value) : 0);
  }

  /** The infos with their payloads. */
  infos(): MonitoringInfo[] {
    return this.slots.map((s, i) => ({ ...s.info, payload: varintPayload(this.values[i]!) }));
  }

  /** `monitoring_data`: short id → payload of each info. */
  data(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {};
    for (let i = 0; i < this.slots.length; i++) out[this.slots[i]!.shortId] = varintPayload(this.values[i]!);
    return out;
  }
}

export interface HarnessTotals {
  bundles: number;
  bundlesFailed: number;
  elementsIn: number;
  elementsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** The infos of one UDF call of a stage. */
interface CallSlots {
  readonly output: string;
  readonly udf: string;
  readonly rows: InfoSlot;
  readonly batches: InfoSlot;
  readonly ns: InfoSlot;
}

/** The infos of a stage, made the first time it reports. */
interface StageSlots {
  readonly decode: InfoSlot;
  readonly encode: InfoSlot;
  readonly elementsIn: InfoSlot;
  readonly elementsOut: InfoSlot;
  /** By call index (checked against the call's output and UDF). */
  readonly calls: CallSlots[];
}

/** What was reported so far for one call of a plan (ns: whole nanoseconds). */
interface Reported {
  readonly output: string;
  readonly udf: string;
  rows: number;
  batches: number;
  ns: number;
}

export class WorkerMetrics {
  /** Per plan, per call: the totals already reported, to report deltas. */
  readonly #reported = new Map<string, Reported[]>();
  /** The slot of each urn + labels (the key is built once per slot, when a stage first reports). */
  readonly #slots = new Map<string, InfoSlot>();
  readonly #byShortId = new Map<string, InfoSlot>();
  readonly #stageSlots = new WeakMap<Stage, StageSlots>();
  #harnessSlots: InfoSlot[] | undefined;
  readonly totals: HarnessTotals = {
    bundles: 0,
    bundlesFailed: 0,
    elementsIn: 0,
    elementsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
  };

  /** Codec time already reported, in whole nanoseconds. */
  readonly #codecReported = { decodeNs: 0, encodeNs: 0 };

  /** The slot (and short id) of a sum_int64 info with these urn and labels. */
  #slot(urn: string, labels: Record<string, string>): InfoSlot {
    const k = `${urn}|${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([a, b]) => `${a}=${b}`)
      .join(',')}`;
    let s = this.#slots.get(k);
    if (!s) {
      s = infoSlot({ urn, type: SUM_INT64, payload: new Uint8Array(0), labels }, `m${this.#slots.size + 1}`);
      this.#slots.set(k, s);
      this.#byShortId.set(s.shortId, s);
    }
    return s;
  }

  #userSlot(stage: Stage, namespace: string, name: string): InfoSlot {
    return this.#slot(USER_SUM_INT64, { PTRANSFORM: stage.transformId, NAMESPACE: namespace, NAME: name });
  }

  #slotsOf(stage: Stage): StageSlots {
    let s = this.#stageSlots.get(stage);
    if (!s) {
      s = {
        decode: this.#userSlot(stage, WORKER_NAMESPACE, 'decode_ns'),
        encode: this.#userSlot(stage, WORKER_NAMESPACE, 'encode_ns'),
        elementsIn: this.#slot(ELEMENT_COUNT, { PCOLLECTION: stage.source.transformId }),
        elementsOut: this.#slot(ELEMENT_COUNT, { PCOLLECTION: stage.sink.transformId }),
        calls: [],
      };
      this.#stageSlots.set(stage, s);
    }
    return s;
  }

  #callSlots(stage: Stage, slots: StageSlots, i: number, m: CallMetrics): CallSlots {
    let c = slots.calls[i];
    if (c && c.output === m.output && c.udf === m.udf) return c;
    const namespace = udfNamespace(m.udf, m.output);
    c = {
      output: m.output,
      udf: m.udf,
      rows: this.#userSlot(stage, namespace, 'udf_rows'),
      batches: this.#userSlot(stage, namespace, 'udf_batches'),
      ns: this.#userSlot(stage, namespace, 'udf_ns'),
    };
    slots.calls[i] = c;
    return c;
  }

  /**
   * Decode / encode time since the last report, as infos on the stage's transform (none while
   * nothing was counted on this thread).
   */
  addCodecInfos(report: MetricReport, stage: Stage): void {
    const r = this.#codecReported;
    const decodeNs = Math.round(codecClock.decodeMs * 1e6);
    const encodeNs = Math.round(codecClock.encodeMs * 1e6);
    const decode = decodeNs - r.decodeNs;
    const encode = encodeNs - r.encodeNs;
    r.decodeNs = decodeNs;
    r.encodeNs = encodeNs;
    if (decode <= 0 && encode <= 0) return;
    const s = this.#slotsOf(stage);
    report.add(s.decode, decode);
    report.add(s.encode, encode);
  }

  /**
   * UDF counters of a stage since its last report (`cumulative` = the pool's running totals, in
   * plan order), then its codec times (`addCodecInfos`).
   */
  addUdfInfos(report: MetricReport, stage: Stage, cumulative: readonly CallMetrics[]): void {
    let seen = this.#reported.get(stage.planKey);
    if (!seen) this.#reported.set(stage.planKey, (seen = []));
    const slots = this.#slotsOf(stage);
    for (let i = 0; i < cumulative.length; i++) {
      const m = cumulative[i]!;
      let prev = seen[i];
      if (!prev || prev.output !== m.output || prev.udf !== m.udf) {
        // calls appear in plan order: a mismatch (never seen in practice) is looked up
        prev = seen.find((p) => p.output === m.output && p.udf === m.udf) ?? {
          output: m.output,
          udf: m.udf,
          rows: 0,
          batches: 0,
          ns: 0,
        };
        seen[i] = prev;
      }
      const c = this.#callSlots(stage, slots, i, m);
      const ns = Math.round(m.ms * 1e6);
      report.add(c.rows, m.rows - prev.rows);
      report.add(c.batches, m.batches - prev.batches);
      report.add(c.ns, ns - prev.ns);
      prev.rows = m.rows;
      prev.batches = m.batches;
      prev.ns = ns;
    }
    this.addCodecInfos(report, stage);
  }

  /** Element counts of a stage's input and output PCollections in one bundle. */
  addElementInfos(report: MetricReport, stage: Stage, elementsIn: number, elementsOut: number): void {
    const s = this.#slotsOf(stage);
    report.add(s.elementsIn, elementsIn);
    report.add(s.elementsOut, elementsOut);
  }

  /** The full infos (without payload) of the given short ids (MonitoringInfosMetadataRequest). */
  metadata(ids: readonly string[]): Record<string, MonitoringInfo> {
    const out: Record<string, MonitoringInfo> = {};
    for (const id of ids) {
      const s = this.#byShortId.get(id);
      if (s) out[id] = s.info;
    }
    return out;
  }

  /** Worker-wide totals as infos (HarnessMonitoringInfosRequest, reported by short id). */
  harnessReport(): MetricReport {
    const c = (name: string) => this.#slot(USER_SUM_INT64, { NAMESPACE: WORKER_NAMESPACE, NAME: name });
    const s = (this.#harnessSlots ??= [
      c('bundles'),
      c('bundles_failed'),
      c('elements_in'),
      c('elements_out'),
      c('bytes_in'),
      c('bytes_out'),
    ]);
    const t = this.totals;
    const report = new MetricReport();
    const values = [t.bundles, t.bundlesFailed, t.elementsIn, t.elementsOut, t.bytesIn, t.bytesOut];
    for (let i = 0; i < s.length; i++) report.add(s[i]!, values[i]!);
    return report;
  }
}
