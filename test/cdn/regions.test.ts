import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRegionRanges, regionRangesToCsv } from '../../examples/cdn/make-regions.js';
import { PROVINCES, UNKNOWN } from '../../examples/cdn/provinces.js';
import {
  buildRegionTable,
  defaultRegionTable,
  lookupRegionId,
  parseRegionCsv,
  regionCsvPath,
} from '../../examples/cdn/regions.js';

describe('region table', () => {
  it('the shipped CSV is exactly what make-regions.ts produces from its fixed seed', () => {
    expect(readFileSync(regionCsvPath(), 'utf8')).toBe(regionRangesToCsv(makeRegionRanges()));
  });

  it('has a few hundred sorted ranges over every province, skipping private blocks', () => {
    const t = defaultRegionTable();
    expect(t.starts.length).toBeGreaterThan(200);
    expect(t.starts.length).toBeLessThan(1000);
    for (let i = 1; i < t.starts.length; i++) expect(t.starts[i]).toBeGreaterThan(t.ends[i - 1]!);
    expect(new Set(t.rangeRegion)).toEqual(new Set(PROVINCES.map((_, i) => i)));
    expect(t.names[t.unknownId]).toBe(UNKNOWN);
    const at = (s: string) =>
      t.names[
        lookupRegionId(
          t,
          s.split('.').reduce((a, p) => a * 256 + Number(p), 0),
        )
      ];
    for (const reserved of ['10.1.2.3', '127.0.0.1', '192.168.1.1', '172.16.0.1', '224.0.0.1', '0.1.2.3']) {
      expect(at(reserved), reserved).toBe(UNKNOWN);
    }
    expect(PROVINCES).toContain(at('1.0.0.0'));
    expect(PROVINCES).toContain(at('223.255.255.255'));
  });

  it('binary search agrees with a linear scan', () => {
    const t = defaultRegionTable();
    const linear = (ip: number) => {
      for (let i = 0; i < t.starts.length; i++)
        if (ip >= t.starts[i]! && ip <= t.ends[i]!) return t.rangeRegion[i]!;
      return t.unknownId;
    };
    const boundaries = fc
      .integer({ min: 0, max: t.starts.length - 1 })
      .chain((i) => fc.constantFrom(t.starts[i]!, t.ends[i]!, t.starts[i]! - 1, t.ends[i]! + 1));
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 0xffffffff }), boundaries), (ip) => {
        const clamped = Math.min(Math.max(ip, 0), 0xffffffff);
        expect(lookupRegionId(t, clamped)).toBe(linear(clamped));
      }),
      { numRuns: 3000 },
    );
    expect(lookupRegionId(t, -1)).toBe(t.unknownId);
  });

  it('lookup agrees with a linear scan on random tables (many small ranges per /16, gaps, edges)', () => {
    const tableArb = fc
      .uniqueArray(fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0x01020000, max: 0x0102ffff })), {
        minLength: 2,
        maxLength: 80,
      })
      .map((points) => {
        const sorted = [...points].sort((a, b) => a - b);
        const ranges: { start: number; end: number; region: string }[] = [];
        for (let i = 0; i + 1 < sorted.length; i += 2) {
          ranges.push({ start: sorted[i]!, end: sorted[i + 1]!, region: `r${i % 5}` });
        }
        return buildRegionTable(ranges);
      });
    fc.assert(
      fc.property(
        tableArb,
        fc.array(fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0x01020000, max: 0x0102ffff })), {
          maxLength: 50,
        }),
        (t, ips) => {
          const probes = [
            ...ips,
            0,
            0xffffffff,
            ...t.starts,
            ...t.ends,
            ...t.ends.map((e) => Math.min(e + 1, 0xffffffff)),
          ];
          for (const ip of probes) {
            let expected = t.unknownId;
            for (let i = 0; i < t.starts.length; i++)
              if (ip >= t.starts[i]! && ip <= t.ends[i]!) expected = t.rangeRegion[i]!;
            expect(lookupRegionId(t, ip)).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects overlapping or malformed tables with a clear error', () => {
    expect(() =>
      buildRegionTable([
        { start: 10, end: 20, region: 'a' },
        { start: 15, end: 30, region: 'b' },
      ]),
    ).toThrow(/not sorted or overlapping/);
    expect(() => parseRegionCsv('start,end,region\n1.2.3.4,1.2.3,北京\n')).toThrow(/line 2/);
    expect(() => parseRegionCsv('a,b\n')).toThrow(/header/);
  });
});
