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

/** A decoded payload: sum_* / latest_*: the value; distribution_*: the sum, and the count. */
interface Reading {
  value: number;
  count: number;
}

/** Reads the payload of `mi` into `out`; false for a type this runner does not read. */
function readPayload(mi: MonitoringInfo, out: Reading): boolean {
  const p = mi.payload;
  const at = { pos: 0 };
  out.count = 1;
  switch (mi.type) {
    case 'beam:metrics:sum_int64:v1':
      out.value = readVarint(p, at);
      return true;
    case 'beam:metrics:sum_double:v1':
      if (p.length < 8) return false;
      out.value = new DataView(p.buffer, p.byteOffset, p.byteLength).getFloat64(0, false);
      return true;
    case 'beam:metrics:distribution_int64:v1':
      out.count = readVarint(p, at);
      out.value = readVarint(p, at);
      return true;
    case 'beam:metrics:distribution_double:v1':
      out.count = readVarint(p, at);
      if (p.length < at.pos + 8) return false;
      out.value = new DataView(p.buffer, p.byteOffset, p.byteLength).getFloat64(at.pos, false);
      return true;
    case 'beam:metrics:latest_int64:v1':
      readVarint(p, at); // timestamp
      out.value = readVarint(p, at);
      return true;
    case 'beam:metrics:latest_double:v1':
      readVarint(p, at);
      if (p.length < at.pos + 8) return false;
      out.value = new DataView(p.buffer, p.byteOffset, p.byteLength).getFloat64(at.pos, false);
      return true;
    default:
      return false;
  }
}

/** Decodes one monitoring info, or returns undefined for a type this runner does not read. */
export function decodeMonitoringInfo(mi: MonitoringInfo): MetricValue | undefined {
  const r: Reading = { value: 0, count: 1 };
  if (!readPayload(mi, r)) return undefined;
  return { urn: mi.urn, type: mi.type, labels: { ...mi.labels }, value: r.value, count: r.count };
}

function keyOf(urn: string, labels: Record<string, string>): string {
  return `${urn}|${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}`;
}

/** The urn and labels of `mi` as they came (label order included), to find its total again cheaply. */
function rawKeyOf(mi: MonitoringInfo): string {
  let k = mi.urn;
  const labels = mi.labels;
  for (const name in labels) k += `\u0000${name}\u0000${labels[name]}`;
  return k;
}

/** Sums of the worker's metrics across bundles. */
export class MonitoringTotals {
  private readonly totals = new Map<string, MetricValue>();
  /**
   * Totals by urn and labels in the order they came: a worker sends the same infos with every
   * bundle, so after the first one an info costs one string and one lookup (no sorting, no copy).
   */
  private readonly byRawKey = new Map<string, MetricValue>();
  /**
   * Totals by frozen labels object (with their urn): the runner's control codec hands out one
   * frozen labels object per info it sees again (control-codec.ts), so after the first bundle an
   * info is found by identity, without building its key.
   */
  private readonly byLabels = new WeakMap<object, MetricValue>();
  private readonly reading: Reading = { value: 0, count: 1 };
  /** Bumped when a new total appears: what `sum` remembers is valid while it stays. */
  private version = 0;
  private readonly sums = new WeakMap<object, { urn: string; version: number; matches: MetricValue[] }>();

  add(infos: readonly MonitoringInfo[]): void {
    const r = this.reading;
    for (const mi of infos) {
      const labels = mi.labels;
      const same = this.byLabels.get(labels);
      if (same !== undefined && same.urn === mi.urn) {
        try {
          if (readPayload(mi, r)) this.accumulate(same, mi.type, r);
        } catch {
          // a malformed metric is not worth failing a bundle for
        }
        continue;
      }
      const raw = rawKeyOf(mi);
      const t = this.byRawKey.get(raw);
      try {
        if (!readPayload(mi, r)) continue;
      } catch {
        continue; // a malformed metric is not worth failing a bundle for
      }
      if (t !== undefined) {
        this.remember(labels, t);
        this.accumulate(t, mi.type, r);
        continue;
      }
      const k = keyOf(mi.urn, mi.labels);
      const known = this.totals.get(k);
      if (known !== undefined) {
        this.byRawKey.set(raw, known);
        this.remember(labels, known);
        this.accumulate(known, mi.type, r);
      } else {
        const v = { urn: mi.urn, type: mi.type, labels: { ...mi.labels }, value: r.value, count: r.count };
        this.totals.set(k, v);
        this.byRawKey.set(raw, v);
        this.remember(labels, v);
        this.version++;
      }
    }
  }

  /** Finds `total` by `labels` next time, if that object cannot change (frozen). */
  private remember(labels: Record<string, string>, total: MetricValue): void {
    if (Object.isFrozen(labels)) this.byLabels.set(labels, total);
  }

  private accumulate(t: MetricValue, type: string, r: Reading): void {
    if (type.includes('latest')) {
      t.type = type;
      t.value = r.value;
      t.count = r.count;
    } else {
      t.value += r.value;
      t.count += r.count;
    }
  }

  /** Every metric, summed. */
  all(): MetricValue[] {
    return [...this.totals.values()].map((v) => ({ ...v, labels: { ...v.labels } }));
  }

  /**
   * Sum of the metrics with this urn whose labels include `labels`. With a frozen `labels` (a
   * query asked after every bundle, as the UDF time is) the matching totals are remembered until
   * a new total appears.
   */
  sum(urn: string, labels: Readonly<Record<string, string>> = {}): number {
    const frozen = Object.isFrozen(labels);
    let m = frozen ? this.sums.get(labels) : undefined;
    if (m === undefined || m.urn !== urn || m.version !== this.version) {
      const matches: MetricValue[] = [];
      const want = Object.entries(labels);
      for (const v of this.totals.values()) {
        if (v.urn === urn && want.every(([k, x]) => v.labels[k] === x)) matches.push(v);
      }
      m = { urn, version: this.version, matches };
      if (frozen) this.sums.set(labels, m);
    }
    let s = 0;
    for (const v of m.matches) s += v.value;
    return s;
  }
}
