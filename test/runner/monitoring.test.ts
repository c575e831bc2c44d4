import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MonitoringInfo } from '../../src/proto/pipeline.js';
import { MonitoringTotals } from '../../src/runner/monitoring.js';

const SUM = 'beam:metrics:sum_int64:v1';
const LATEST = 'beam:metrics:latest_int64:v1';
const DIST = 'beam:metrics:distribution_int64:v1';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function info(urn: string, type: string, labels: Record<string, string>, payload: number[]): MonitoringInfo {
  return { urn, type, labels, payload: Uint8Array.from(payload) };
}

/** `labels` with its keys in another order (same entries). */
function reordered(labels: Record<string, string>, seed: number): Record<string, string> {
  const keys = Object.keys(labels);
  const out: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[(i + seed) % keys.length]!;
    out[k] = labels[k]!;
  }
  return out;
}

describe('MonitoringTotals', () => {
  it('sums each (urn, labels) over bundles, whatever the order of the labels', () => {
    const metric = fc.record({
      urn: fc.constantFrom('u:a', 'u:b'),
      name: fc.constantFrom('x', 'y', 'z'),
      transform: fc.constantFrom('t1', 't2'),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(metric, fc.nat(1_000_000), fc.nat(5)), { maxLength: 8 }), {
          maxLength: 6,
        }),
        (bundles) => {
          const totals = new MonitoringTotals();
          const expected = new Map<string, number>();
          for (const bundle of bundles) {
            totals.add(
              bundle.map(([m, v, seed]) => {
                const labels = { PTRANSFORM: m.transform, NAME: m.name, NAMESPACE: 'ns' };
                const k = `${m.urn}|${m.transform}|${m.name}`;
                expected.set(k, (expected.get(k) ?? 0) + v);
                return info(m.urn, SUM, reordered(labels, seed), varint(v));
              }),
            );
          }
          const all = totals.all();
          expect(all.length).toBe(expected.size);
          for (const v of all) {
            expect(v.value).toBe(expected.get(`${v.urn}|${v.labels.PTRANSFORM}|${v.labels.NAME}`));
          }
          for (const [k, v] of expected) {
            const [urn, transform, name] = k.split('|');
            expect(totals.sum(urn!, { PTRANSFORM: transform!, NAME: name! })).toBe(v);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps the latest of a latest_* metric, sums distributions with their counts', () => {
    const totals = new MonitoringTotals();
    const l = { NAME: 'l' };
    const d = { NAME: 'd' };
    totals.add([info('u', LATEST, l, [...varint(1), ...varint(7)]), info('u', DIST, d, [2, 10])]);
    totals.add([
      info('u', LATEST, { ...l }, [...varint(2), ...varint(3)]),
      info('u', DIST, { ...d }, [3, 5]),
    ]);
    const byName = Object.fromEntries(totals.all().map((v) => [v.labels.NAME, v]));
    expect(byName.l).toMatchObject({ value: 3, count: 1 });
    expect(byName.d).toMatchObject({ value: 15, count: 5 });
  });

  it('skips malformed payloads and types it does not read, before and after a good one', () => {
    const totals = new MonitoringTotals();
    const labels = { NAME: 'n' };
    const bad = info('u', SUM, labels, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    totals.add([bad, info('u', 'beam:metrics:unknown:v1', labels, [1])]);
    expect(totals.all()).toEqual([]);
    totals.add([info('u', SUM, labels, [4]), bad]);
    totals.add([info('u', SUM, { ...labels }, [5])]);
    expect(totals.all()).toEqual([{ urn: 'u', type: SUM, labels, value: 9, count: 2 }]);
  });

  it('hands out copies: changing them leaves the totals alone', () => {
    const totals = new MonitoringTotals();
    totals.add([info('u', SUM, { NAME: 'n' }, [4])]);
    const [v] = totals.all();
    v!.value = 100;
    v!.labels.NAME = 'changed';
    totals.add([info('u', SUM, { NAME: 'n' }, [1])]);
    expect(totals.all()[0]).toMatchObject({ value: 5, labels: { NAME: 'n' } });
  });

  it('sums infos found by their frozen labels object like any other, per urn', () => {
    const totals = new MonitoringTotals();
    const shared = Object.freeze({ NAME: 'n' });
    const udf = Object.freeze({ PTRANSFORM: 'transform', NAME: 'udf_ns' });
    for (let i = 1; i <= 3; i++) {
      // the same frozen object each bundle (as the control codec hands them out), and once with
      // another urn, which must not land in the first one's total
      totals.add([info('u', SUM, shared, varint(i)), info('v', SUM, shared, varint(10 * i))]);
      expect(totals.sum('u', udf)).toBe(0);
      expect(totals.sum('u', { NAME: 'n' })).toBe((i * (i + 1)) / 2);
      expect(totals.sum('v', Object.freeze({ NAME: 'n' }))).toBe(5 * i * (i + 1));
    }
    // a frozen query asked again sees totals that appeared since
    const q = Object.freeze({ NAME: 'udf_ns' });
    expect(totals.sum('u', q)).toBe(0);
    totals.add([info('u', SUM, { PTRANSFORM: 'transform', NAME: 'udf_ns' }, varint(7))]);
    expect(totals.sum('u', q)).toBe(7);
    expect(totals.sum('u', udf)).toBe(7);
    totals.add([info('u', SUM, { NAME: 'udf_ns', PTRANSFORM: 'transform' }, varint(1))]);
    expect(totals.sum('u', q)).toBe(8);
  });

  it('answers a query object changed between calls by what it holds now', () => {
    const totals = new MonitoringTotals();
    totals.add([info('u', SUM, { NAME: 'a' }, [1]), info('u', SUM, { NAME: 'b' }, [2])]);
    const q: Record<string, string> = { NAME: 'a' };
    expect(totals.sum('u', q)).toBe(1);
    q.NAME = 'b';
    expect(totals.sum('u', q)).toBe(2);
  });
});
