import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ipToProvinceColumn, regionIdsOfColumn, regionIdsOfRows } from '../../examples/cdn/ip-kernel.js';
import { formatIpv4, parseIpv4String } from '../../examples/cdn/ip-parse.js';
import { defaultRegionTable, lookupRegionId } from '../../examples/cdn/regions.js';
import { Utf8Dictionary } from '../../examples/cdn/string-column.js';

const table = defaultRegionTable();
/** Reference: the JS string of each row, parsed by the string parser. */
const reference = (ip: string | null) =>
  table.names[ip === null ? table.unknownId : lookupRegionId(table, parseIpv4String(ip))];

const ipText = fc.oneof(
  fc.nat({ max: 0xffffffff }).map(formatIpv4),
  fc.constantFrom('', '1.2.3', '256.1.1.1', '01.2.3.4', 'abc', '1.2.3.4.5', ' 1.2.3.4', '::1', '北京'),
  fc.string({ maxLength: 16 }),
);

describe('ipToProvince column kernel', () => {
  it('equals the per-row reference on random columns with nulls, slices and several chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(ipText, { freq: 5 }), { maxLength: 200 }),
        fc.nat({ max: 10 }),
        fc.nat({ max: 200 }),
        (values, from, cut) => {
          const whole = arrow.vectorFromArray(values, new arrow.Utf8());
          const start = Math.min(from, values.length);
          const sliced = whole.slice(start);
          const at = Math.min(cut, sliced.length);
          const chunked = sliced.slice(0, at).concat(sliced.slice(at));
          const expected = values.slice(start).map(reference);
          expect(ipToProvinceColumn(sliced).toArray()).toEqual(expected);
          expect(ipToProvinceColumn(chunked).toArray()).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('equals the reference on generated logs, and never returns null', () => {
    for (const batch of cdnLogBatches({ rows: 30_000, seed: 11 })) {
      const ips = batch.getChild('client_ip')!;
      const out = ipToProvinceColumn(ips);
      expect(out.nullCount).toBe(0);
      expect(out.length).toBe(ips.length);
      expect(out.toArray()).toEqual((ips.toArray() as (string | null)[]).map(reference));
    }
  });

  it('the 16-byte-window parser agrees with the reference, whatever bytes follow the address', () => {
    // Dotted candidates (octets of 0–4 digits, leading zeros, stray bytes) followed by digits and
    // dots: the bytes most likely to be misread as part of the address when the window runs past it.
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map(String),
      fc.integer({ min: 256, max: 9999 }).map(String),
      fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`),
      fc.constantFrom('', 'a', '٣', '北', ' 1'),
    );
    const text = fc.oneof(
      fc.array(octet, { minLength: 3, maxLength: 5 }).map((p) => p.join('.')),
      fc.nat({ max: 0xffffffff }).map(formatIpv4),
      fc.string({ unit: fc.constantFrom(...'0123456789.'), maxLength: 17 }),
    );
    const tail = fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .map((t) => t.map((b) => '0123456789.x'.charCodeAt(b % 12)));
    const enc = new TextEncoder();
    fc.assert(
      fc.property(text, fc.nat({ max: 5 }), tail, (s, lead, after) => {
        const body = enc.encode(s);
        const buf = new Uint8Array(lead + body.length + 16);
        buf.fill(49, 0, lead);
        buf.set(body, lead);
        buf.set(after, lead + body.length);
        const out = new Uint16Array(2);
        regionIdsOfRows(buf, Int32Array.of(lead, lead + body.length), 1, table, out, 1);
        expect(table.names[out[1]!]).toBe(reference(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a column that is not UTF-8', () => {
    expect(() => regionIdsOfColumn(arrow.vectorFromArray([1, 2]) as never)).toThrow(/UTF-8/);
  });
});

describe('Utf8Dictionary', () => {
  it('builds the column of ids, with nulls from a validity bitmap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 100 }),
        (entries, rows) => {
          const enc = new TextEncoder();
          const dict = new Utf8Dictionary(entries.map((e) => enc.encode(e)));
          const ids = Uint32Array.from(rows, ([k]) => k % entries.length);
          const bitmap = new Uint8Array(Math.ceil(rows.length / 8) + 1);
          let nulls = 0;
          rows.forEach(([, valid], i) => {
            if (valid) bitmap[i >> 3]! |= 1 << (i & 7);
            else nulls++;
          });
          const col = dict.column(ids, rows.length, { bitmap, nullCount: nulls });
          expect(col.toArray()).toEqual(
            rows.map(([k, valid]) => (valid ? entries[k % entries.length] : null)),
          );
          expect(col.nullCount).toBe(nulls);
        },
      ),
      { numRuns: 300 },
    );
    expect(() => new Utf8Dictionary([]).column(Uint16Array.of(0))).toThrow(/not in/);
  });
});
