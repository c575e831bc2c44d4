import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ArrowFrameEncoder, decodeArrowPayload } from '../../src/codec/arrow-frame.js';
import { codecClock } from '../../src/codec/codec-clock.js';
import { WorkerMetrics } from '../../src/harness/metrics.js';
import type { Stage } from '../../src/harness/stages.js';

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

describe('WorkerMetrics codec infos', () => {
  it('reports the decode / encode time gained since the previous report, on the stage transform', () => {
    const stage = { transformId: 'transform', planKey: 'k' } as unknown as Stage;
    const m = new WorkerMetrics();
    m.codecInfos(stage); // start from what earlier tests in this thread counted
    expect(m.codecInfos(stage)).toEqual([]); // nothing new: nothing reported
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
    const infos = m.codecInfos(stage);
    const byName = Object.fromEntries(infos.map((i) => [i.labels.NAME, i]));
    expect(Object.keys(byName).sort()).toEqual(['decode_ns', 'encode_ns']);
    expect(byName.decode_ns!.labels.PTRANSFORM).toBe('transform');
    expect(JSON.parse(byName.decode_ns!.labels.NAMESPACE!).slice(0, 2)).toEqual(['vecudf', 'worker']);
    expect(value(byName.decode_ns!.payload)).toBeCloseTo(decodeMs * 1e6, -3);
    expect(value(byName.encode_ns!.payload)).toBeCloseTo(encodeMs * 1e6, -3);
    expect(m.codecInfos(stage)).toEqual([]); // reported once
  });
});
