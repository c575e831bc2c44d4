import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrowFrameEncoder, decodeArrowPayload } from '../../src/codec/arrow-frame.js';
import { codecClock } from '../../src/codec/codec-clock.js';
import type { CallMetrics } from '../../src/exec/metrics.js';
import { encodeReportResponse, type InfoSlot, infoSlot } from '../../src/harness/control-codec.js';
import {
  ELEMENT_COUNT,
  MetricReport,
  SUM_INT64,
  USER_SUM_INT64,
  varintPayload,
  WorkerMetrics,
} from '../../src/harness/metrics.js';
import type { Stage } from '../../src/harness/stages.js';
import { InstructionResponse } from '../../src/proto/fn-api.js';
import type { MonitoringInfo } from '../../src/proto/pipeline.js';

/** The varint-coded payload of a sum_int64 info. */
function value(payload: Uint8Array): number {
  let v = 0;
  let scale = 1;
  for (const b of payload) {
    v += (b & 0x7f) * scale;
    scale *= 128;
  }
  return v;
}

function stageOf(transformId: string, planKey: string): Stage {
  return {
    transformId,
    planKey,
    source: { transformId: `${transformId}-in`, url: '' },
    sink: { transformId: `${transformId}-out`, url: '' },
  } as unknown as Stage;
}

const calls = (...c: [string, string, number, number, number][]): CallMetrics[] =>
  c.map(([output, udf, rows, batches, ms]) => ({ output, udf, rows, batches, ms }));

/** A bundle's report as the runner decodes it: infos and monitoring_data. */
function decoded(report: MetricReport) {
  const r = InstructionResponse.decode(
    encodeReportResponse('b', 'processBundle', report.slots, report.values),
  );
  return r.processBundle!;
}

describe('WorkerMetrics codec infos', () => {
  it('reports the decode / encode time gained since the previous report, on the stage transform', () => {
    const stage = stageOf('transform', 'k');
    const m = new WorkerMetrics();
    const report = () => {
      const r = new MetricReport();
      m.addCodecInfos(r, stage);
      return r.infos();
    };
    report(); // start from what earlier tests in this thread counted
    expect(report()).toEqual([]); // nothing new: nothing reported
    const batch = new arrow.RecordBatch({
      a: arrow.makeData({ type: new arrow.Float64(), length: 50_000, data: new Float64Array(50_000) }),
    });
    const enc = new ArrowFrameEncoder(batch.schema);
    const before = { ...codecClock };
    for (let i = 0; i < 20; i++) {
      const element = enc.encode(batch);
      // the payload is the stream after the 3-byte varint prefix; decoded in place (or realigned)
      expect(decodeArrowPayload(element.subarray(3)).numRows).toBe(50_000);
    }
    const decodeMs = codecClock.decodeMs - before.decodeMs;
    const encodeMs = codecClock.encodeMs - before.encodeMs;
    expect(decodeMs).toBeGreaterThan(0);
    expect(encodeMs).toBeGreaterThan(0);
    const infos = report();
    const byName = Object.fromEntries(infos.map((i) => [i.labels.NAME, i]));
    expect(Object.keys(byName).sort()).toEqual(['decode_ns', 'encode_ns']);
    expect(byName.decode_ns!.labels.PTRANSFORM).toBe('transform');
    expect(JSON.parse(byName.decode_ns!.labels.NAMESPACE!).slice(0, 2)).toEqual(['vecudf', 'worker']);
    expect(value(byName.decode_ns!.payload)).toBeCloseTo(decodeMs * 1e6, -3);
    expect(value(byName.encode_ns!.payload)).toBeCloseTo(encodeMs * 1e6, -3);
    expect(report()).toEqual([]); // reported once
  });
});

describe('WorkerMetrics bundle reports', () => {
  it('gives each urn + labels one short id, the same in every bundle, and answers its metadata', () => {
    const m = new WorkerMetrics();
    const s = stageOf('transform', 'd1/transform');
    const ids: string[][] = [];
    let total = 0;
    for (let b = 1; b <= 3; b++) {
      total += 10;
      m.addCodecInfos(new MetricReport(), s); // codec time counted by other tests: not this test's
      const r = new MetricReport();
      m.addUdfInfos(r, s, calls(['f0', 'plus', total, b, b]));
      m.addElementInfos(r, s, 1, 1);
      const p = decoded(r);
      expect(Object.keys(p.monitoringData)).toEqual(r.slots.map((x) => x.shortId));
      ids.push(r.slots.map((x) => x.shortId));
      // every short id's metadata is its info without the payload
      const meta = m.metadata(Object.keys(p.monitoringData));
      for (const [i, info] of p.monitoringInfos.entries()) {
        const id = r.slots[i]!.shortId;
        expect(meta[id]).toEqual({ ...info, payload: new Uint8Array(0) });
        expect(p.monitoringData[id]).toEqual(info.payload);
      }
    }
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    expect(new Set(ids[0]).size).toBe(ids[0]!.length);
    // a second descriptor's stage with the same transform and UDF has the same labels: same ids
    const again = new MetricReport();
    m.addUdfInfos(again, stageOf('transform', 'd2/transform'), calls(['f0', 'plus', 5, 1, 1]));
    expect(again.slots.map((x) => x.shortId)).toEqual(ids[0]!.slice(0, 3));
    expect(again.values.slice(0, 2)).toEqual([5, 1]); // but deltas of its own plan
    expect(m.metadata(['nope'])).toEqual({});
  });

  it('labels UDF infos as Flink reads them, element counts by source and sink', () => {
    const m = new WorkerMetrics();
    const r = new MetricReport();
    const s = stageOf('t', 'd/t');
    m.addUdfInfos(r, s, calls(['f0', 'plus', 7, 2, 0.5], ['f1', 'upper', 3, 1, 0.25]));
    m.addElementInfos(r, s, 2, 2);
    const infos = decoded(r).monitoringInfos.filter(
      (i) => i.labels.NAME !== 'decode_ns' && i.labels.NAME !== 'encode_ns',
    );
    const show = (i: MonitoringInfo) => [i.urn, i.type, i.labels, value(i.payload)];
    const ns = (udf: string, out: string) =>
      JSON.stringify([
        'vecudf',
        udf,
        out,
        'MetricGroupType.generic',
        'MetricGroupType.generic',
        'MetricGroupType.generic',
      ]);
    const user = (udf: string, out: string, name: string, v: number) => [
      USER_SUM_INT64,
      SUM_INT64,
      { PTRANSFORM: 't', NAMESPACE: ns(udf, out), NAME: name },
      v,
    ];
    expect(infos.map(show)).toEqual([
      user('plus', 'f0', 'udf_rows', 7),
      user('plus', 'f0', 'udf_batches', 2),
      user('plus', 'f0', 'udf_ns', 500_000),
      user('upper', 'f1', 'udf_rows', 3),
      user('upper', 'f1', 'udf_batches', 1),
      user('upper', 'f1', 'udf_ns', 250_000),
      [ELEMENT_COUNT, SUM_INT64, { PCOLLECTION: 't-in' }, 2],
      [ELEMENT_COUNT, SUM_INT64, { PCOLLECTION: 't-out' }, 2],
    ]);
  });

  it('reports deltas that add up to the totals exactly, with bundles of several plans interleaved', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            plan: fc.integer({ min: 0, max: 2 }),
            rows: fc.integer({ min: 0, max: 1e9 }),
            ms: fc.double({ min: 0, max: 1e4, noNaN: true }),
            // a plan's first batches may come after its first report (no calls yet)
            calls: fc.integer({ min: 0, max: 2 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (steps) => {
          const m = new WorkerMetrics();
          const totals = [0, 1, 2].map(() => [
            { rows: 0, batches: 0, ms: 0 },
            { rows: 0, batches: 0, ms: 0 },
          ]);
          const ncalls = [0, 0, 0];
          const sums = new Map<string, number>();
          for (const st of steps) {
            ncalls[st.plan] = Math.max(ncalls[st.plan]!, st.calls);
            const t = totals[st.plan]!;
            for (let c = 0; c < ncalls[st.plan]!; c++) {
              t[c]!.rows += st.rows;
              t[c]!.batches += 1;
              t[c]!.ms += st.ms;
            }
            const s = stageOf(`t${st.plan}`, `d/t${st.plan}`);
            const r = new MetricReport();
            m.addUdfInfos(
              r,
              s,
              t.slice(0, ncalls[st.plan]!).map((x, c) => ({ output: `f${c}`, udf: `u${c}`, ...x })),
            );
            const p = decoded(r);
            for (const i of p.monitoringInfos) {
              if (i.labels.NAME === 'decode_ns' || i.labels.NAME === 'encode_ns') continue;
              const k = `${i.labels.PTRANSFORM}|${i.labels.NAMESPACE}|${i.labels.NAME}`;
              sums.set(k, (sums.get(k) ?? 0) + value(i.payload));
            }
          }
          for (let plan = 0; plan < 3; plan++) {
            for (let c = 0; c < ncalls[plan]!; c++) {
              const t = totals[plan]![c]!;
              const k = (name: string) =>
                `t${plan}|${JSON.stringify(['vecudf', `u${c}`, `f${c}`, 'MetricGroupType.generic', 'MetricGroupType.generic', 'MetricGroupType.generic'])}|${name}`;
              expect(sums.get(k('udf_rows'))).toBe(t.rows);
              expect(sums.get(k('udf_batches'))).toBe(t.batches);
              expect(sums.get(k('udf_ns'))).toBe(Math.round(t.ms * 1e6));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('harness infos: worker totals under fixed short ids', () => {
    const m = new WorkerMetrics();
    m.totals.bundles = 3;
    m.totals.bytesOut = 2 ** 40;
    const a = m.harnessReport().data();
    const meta = m.metadata(Object.keys(a));
    const byName = Object.fromEntries(Object.entries(a).map(([id, p]) => [meta[id]!.labels.NAME, value(p)]));
    expect(byName).toEqual({
      bundles: 3,
      bundles_failed: 0,
      elements_in: 0,
      elements_out: 0,
      bytes_in: 0,
      bytes_out: 2 ** 40,
    });
    m.totals.bundles++;
    expect(Object.keys(m.harnessReport().data())).toEqual(Object.keys(a));
  });
});

describe('encodeReportResponse', () => {
  const label = fc.string({ unit: 'grapheme', maxLength: 150 });
  const slotArb = fc.record({
    urn: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    labels: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), label, { maxKeys: 4 }),
    shortId: fc.string({ minLength: 1, maxLength: 8 }),
    value: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeInteger().map(Math.abs)),
  });

  it('writes the bytes InstructionResponse.encode writes for the same response', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.constantFrom('processBundle' as const, 'processBundleProgress' as const),
        fc.uniqueArray(slotArb, { selector: (s) => s.shortId, maxLength: 12 }),
        (id, field, specs) => {
          const slots: InfoSlot[] = specs.map((s) =>
            infoSlot(
              { urn: s.urn, type: SUM_INT64, payload: new Uint8Array(0), labels: s.labels },
              s.shortId,
            ),
          );
          const values = specs.map((s) => s.value);
          const infos = slots.map((s, i) => ({ ...s.info, payload: varintPayload(values[i]!) }));
          const data = Object.fromEntries(slots.map((s, i) => [s.shortId, varintPayload(values[i]!)]));
          const expected = InstructionResponse.encode({
            instructionId: id,
            error: '',
            ...(field === 'processBundle'
              ? {
                  processBundle: {
                    residualRoots: [],
                    monitoringInfos: infos,
                    requiresFinalization: false,
                    monitoringData: data,
                  },
                }
              : { processBundleProgress: { monitoringInfos: infos, monitoringData: data } }),
          }).finish();
          const got = encodeReportResponse(id, field, slots, values);
          // short ids that look like array indices come first in a JS object: compare decoded then
          if (specs.some((s) => /^\d+$/.test(s.shortId))) {
            expect(InstructionResponse.decode(Uint8Array.from(got))).toEqual(
              InstructionResponse.decode(expected),
            );
          } else {
            expect(Buffer.from(got).equals(Buffer.from(expected))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
