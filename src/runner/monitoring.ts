/**
 * Reading the worker's monitoring infos (what a ProcessBundleResponse reports in its
 * `monitoring_infos`, field 3 — the list Flink reads): one number per (urn, labels), decoded from
 * the payload as its type says, and summed across bundles.
 *
 * @example
 * const totals = new MonitoringTotals();
 * totals.add(response.monitoringInfos);
 * totals.sum('beam:metric:user:sum_int64:v1', { NAME: 'udf_ns' });
 */
import type { MonitoringInfo } from '../proto/pipeline.js';

/** One decoded monitoring info. */
export interface MetricValue {
  urn: string;
  type: string;
  labels: Record<string, string>;
  /** sum_* and latest_* : the value; distribution_*: the sum. */
  value: number;
  /** distribution_*: the count; otherwise 1. */
  count: number;
}

function readVarint(b: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 10 && at.pos < b.length; i++) {
    const x = b[at.pos++]!;
    result += (x & 0x7f) * shift;
    if (x < 0x80) {
      // int64 values are two's complement: a 10-byte varint is negative.
      return i === 9 || result >= 2 ** 63 ? result - 2 ** 64 : result;
    }
    shift *= 128;
  }
  throw new Error('malformed varint in a monitoring info payload');
}

/** Decodes one monitoring info, or returns undefined for a type this runner does not read. */
export function decodeMonitoringInfo(mi: MonitoringInfo): MetricValue | undefined {
  const p = mi.payload;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const at = { pos: 0 };
  const base = { urn: mi.urn, type: mi.type, labels: { ...mi.labels } };
  switch (mi.type) {
    case 'beam:metrics:sum_int64:v1':
      return { ...base, value: readVarint(p, at), count: 1 };
    case 'beam:metrics:sum_double:v1':
      return p.length >= 8 ? { ...base, value: view.getFloat64(0, false), count: 1 } : undefined;
    case 'beam:metrics:distribution_int64:v1': {
      const count = readVarint(p, at);
      const sum = readVarint(p, at);
      return { ...base, value: sum, count };
    }
    case 'beam:metrics:distribution_double:v1': {
      const count = readVarint(p, at);
      return p.length >= at.pos + 8 ? { ...base, value: view.getFloat64(at.pos, false), count } : undefined;
    }
    case 'beam:metrics:latest_int64:v1': {
      readVarint(p, at); // timestamp
      return { ...base, value: readVarint(p, at), count: 1 };
    }
    case 'beam:metrics:latest_double:v1': {
      readVarint(p, at);
      return p.length >= at.pos + 8
        ? { ...base, value: view.getFloat64(at.pos, false), count: 1 }
        : undefined;
    }
    default:
      return undefined;
  }
}

function keyOf(urn: string, labels: Record<string, string>): string {
  return `${urn}|${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}`;
}

/** Sums of the worker's metrics across bundles. */
export class MonitoringTotals {
  private readonly totals = new Map<string, MetricValue>();

  add(infos: readonly MonitoringInfo[]): void {
    for (const mi of infos) {
      let v: MetricValue | undefined;
      try {
        v = decodeMonitoringInfo(mi);
      } catch {
        continue; // a malformed metric is not worth failing a bundle for
      }
      if (!v) continue;
      const k = keyOf(v.urn, v.labels);
      const t = this.totals.get(k);
      if (!t) this.totals.set(k, v);
      else if (v.type.includes('latest')) this.totals.set(k, v);
      else {
        t.value += v.value;
        t.count += v.count;
      }
    }
  }

  /** Every metric, summed. */
  all(): MetricValue[] {
    return [...this.totals.values()].map((v) => ({ ...v, labels: { ...v.labels } }));
  }

  /** Sum of the metrics with this urn whose labels include `labels`. */
  sum(urn: string, labels: Record<string, string> = {}): number {
    let s = 0;
    for (const v of this.totals.values()) {
      if (v.urn !== urn) continue;
      if (Object.entries(labels).every(([k, x]) => v.labels[k] === x)) s += v.value;
    }
    return s;
  }
}
