import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CdnAggregator, type ProvinceStatistic } from '../../examples/cdn/aggregate.js';
import { BytesInterner } from '../../examples/cdn/bytes-interner.js';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ipToProvinceColumn } from '../../examples/cdn/ip-kernel.js';

interface Row {
  province: string | null;
  uuid: string | null;
  size: bigint | null;
  time: bigint | null;
}

/** The SQL of the job, row by row, with bigints. */
function naive(rows: readonly Row[]): ProvinceStatistic[] {
  const groups = new Map<string | null, { n: bigint; size: bigint | null; time: bigint | null }>();
  for (const r of rows) {
    const g = groups.get(r.province) ?? { n: 0n, size: null, time: null };
    if (r.uuid !== null) g.n++;
    if (r.size !== null) g.size = (g.size ?? 0n) + r.size;
    if (r.time !== null) g.time = (g.time ?? 0n) + r.time;
    groups.set(r.province, g);
  }
  return [...groups].map(([province, g]) => ({
    province,
    access_count: g.n,
    total_download: g.size,
    download_speed:
      g.size === null || g.time === null || g.time === 0n ? null : Number(g.size) / Number(g.time),
  }));
}

const byProvince = (a: ProvinceStatistic, b: ProvinceStatistic) =>
  (a.province ?? '\u0000null').localeCompare(b.province ?? '\u0000null');

function batchOf(rows: readonly Row[]): arrow.RecordBatch {
  const columns: [string, arrow.DataType, unknown[]][] = [
    ['province', new arrow.Utf8(), rows.map((r) => r.province)],
    ['uuid', new arrow.Utf8(), rows.map((r) => r.uuid)],
    ['response_size', new arrow.Int64(), rows.map((r) => r.size)],
    ['request_time', new arrow.Int64(), rows.map((r) => r.time)],
  ];
  const schema = new arrow.Schema(columns.map(([name, type]) => new arrow.Field(name, type, true)));
  const children = columns.map(([, type, values]) => arrow.vectorFromArray(values, type).data[0]!);
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children }),
  );
}

const int64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 50_000_000n }),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
  fc.constantFrom(0n, -1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 31n)),
);
const rowArb: fc.Arbitrary<Row> = fc.record({
  province: fc.option(fc.constantFrom('北京', '上海', '广东', 'Unknown', '', 'a,b', '黑龙江'), { freq: 8 }),
  uuid: fc.option(fc.constantFrom('u1', 'u2', ''), { freq: 6 }),
  size: fc.option(int64, { freq: 6 }),
  time: fc.option(int64, { freq: 6 }),
});

describe('CdnAggregator', () => {
  it('matches the naive SQL semantics over any split into batches (nulls, negatives, 64-bit sums)', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 5 }),
        (rows, cuts) => {
          const agg = new CdnAggregator();
          const bounds = [0, ...cuts.map((c) => Math.min(c, rows.length)).sort((a, b) => a - b), rows.length];
          for (let k = 0; k + 1 < bounds.length; k++) {
            const part = rows.slice(bounds[k], bounds[k + 1]);
            if (part.length === 0) continue;
            // Half of the time, feed a slice of a bigger batch (offsets into shared buffers).
            if (k % 2 === 1) {
              const padded = batchOf([...rows.slice(0, 3), ...part]);
              agg.update(padded.slice(Math.min(3, rows.length), Math.min(3, rows.length) + part.length));
            } else agg.update(batchOf(part));
          }
          expect(agg.rowsRead).toBe(rows.length);
          expect([...agg.rows()].sort(byProvince)).toEqual(naive(rows).sort(byProvince));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports only the provinces changed since the last takeChanges', () => {
    const agg = new CdnAggregator();
    const row = (province: string, size: bigint): Row => ({ province, uuid: 'u', size, time: 10n });
    agg.update(batchOf([row('北京', 5n), row('上海', 7n)]));
    expect(agg.takeChanges().getChild('province')!.toArray()).toEqual(['北京', '上海']);
    expect(agg.takeChanges().numRows).toBe(0);
    agg.update(batchOf([row('上海', 1n)]));
    const changes = agg.takeChanges();
    expect(changes.numRows).toBe(1);
    expect(changes.get(0)!.toJSON()).toEqual({
      province: '上海',
      access_count: 2n,
      total_download: 8n,
      download_speed: 0.4,
    });
    expect(agg.toRecordBatch().schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
      'province: Utf8',
      'access_count: Int64',
      'total_download: Int64',
      'download_speed: Float64',
    ]);
  });

  it('on generated logs: counts add up to the rows read, sorted by access count', () => {
    const agg = new CdnAggregator();
    let rows = 0;
    for (const b of cdnLogBatches({ rows: 50_000, seed: 9 })) {
      agg.updateColumns(
        ipToProvinceColumn(b.getChild('client_ip')!),
        b.getChild('uuid'),
        b.getChild('response_size')!,
        b.getChild('request_time')!,
      );
      rows += b.numRows;
    }
    const stats = agg.rows();
    expect(stats.reduce((n, s) => n + s.access_count, 0n)).toBe(BigInt(rows));
    for (let i = 1; i < stats.length; i++)
      expect(stats[i - 1]!.access_count >= stats[i]!.access_count).toBe(true);
    expect(stats.some((s) => s.province === 'Unknown')).toBe(true);
  });

  it('rejects columns of other lengths or types', () => {
    const agg = new CdnAggregator();
    const b = batchOf([{ province: 'x', uuid: 'u', size: 1n, time: 1n }]);
    expect(() =>
      agg.updateColumns(
        b.getChild('province')!,
        null,
        b.getChild('response_size')!,
        batchOf([]).getChild('request_time')!,
      ),
    ).toThrow(/rows/);
    expect(() => agg.update(b, { province: 'nope' })).toThrow(/no column 'nope'/);
    expect(() =>
      agg.updateColumns(
        b.getChild('province')!,
        null,
        arrow.vectorFromArray([1.5]) as never,
        b.getChild('request_time')!,
      ),
    ).toThrow(/BIGINT/);
  });
});

describe('BytesInterner', () => {
  it('gives equal ids exactly to equal byte strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 400 }), (keys) => {
        const interner = new BytesInterner();
        const enc = new TextEncoder();
        const seen = new Map<string, number>();
        for (const k of keys) {
          const bytes = enc.encode(`xx${k}yy`);
          const id = interner.intern(bytes, 2, bytes.length - 2);
          if (!seen.has(k)) seen.set(k, seen.size);
          expect(id).toBe(seen.get(k));
          expect(interner.keyString(id)).toBe(k);
        }
        expect(interner.size).toBe(seen.size);
      }),
      { numRuns: 200 },
    );
  });
});
