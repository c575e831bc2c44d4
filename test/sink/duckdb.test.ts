import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { CdnAggregator } from '../../examples/cdn/aggregate.js';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ipToProvinceColumn } from '../../examples/cdn/ip-kernel.js';
import { DuckDbSink } from '../../src/sink/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'vecudf-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function queryFile(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('DuckDbSink', () => {
  it('appends generated logs; the file, reopened, holds the same rows', async () => {
    const path = join(dir, 'logs.duckdb');
    const sink = await DuckDbSink.open(path, { table: 'logs' });
    const batches = [...cdnLogBatches({ rows: 12_000, seed: 8, batchSize: 5_000 })];
    for (const b of batches) await sink.write(b);
    await sink.close();
    const t = new arrow.Table(batches);
    const rows = await queryFile(path, 'SELECT * FROM logs');
    expect(rows.length).toBe(t.numRows);
    // Row order is kept by the appender; compare every value of a sample of rows.
    for (const i of [0, 1, 4_999, 5_000, 11_999]) {
      const expected = t.get(i)!.toJSON();
      expect(rows[i]!.uuid).toBe(expected.uuid);
      expect(rows[i]!.client_ip).toBe(expected.client_ip);
      expect(rows[i]!.request_time).toBe(expected.request_time);
      expect(rows[i]!.response_size).toBe(expected.response_size);
      expect(rows[i]!.uri).toBe(expected.uri);
      expect((rows[i]!.event_ts as Date).getTime()).toBe(expected.event_ts);
    }
    const [agg] = await queryFile(
      path,
      'SELECT count(client_ip) AS ips, sum(response_size) AS bytes FROM logs',
    );
    let bytes = 0n;
    for (const v of t.getChild('response_size')!.toArray() as BigInt64Array) bytes += v;
    expect(agg!.bytes).toBe(bytes);
    expect(agg!.ips).toBe(BigInt(t.numRows - t.getChild('client_ip')!.nullCount));
  });

  it('upserts the per-province statistic as it updates; the final table equals the aggregator', async () => {
    const path = join(dir, 'cdn.duckdb');
    const sink = await DuckDbSink.open(path, { table: 'cdn_access_statistic' });
    const agg = new CdnAggregator();
    for (const b of cdnLogBatches({ rows: 40_000, seed: 12, batchSize: 4_000 })) {
      agg.updateColumns(
        ipToProvinceColumn(b.getChild('client_ip')!),
        b.getChild('uuid'),
        b.getChild('response_size')!,
        b.getChild('request_time')!,
      );
      await sink.upsert(agg.takeChanges(), ['province']);
    }
    await sink.close();
    const rows = await queryFile(
      path,
      'SELECT * FROM cdn_access_statistic ORDER BY access_count DESC, province',
    );
    expect(rows).toEqual(agg.rows());
    const [pk] = await queryFile(
      path,
      `SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'cdn_access_statistic' AND constraint_type = 'PRIMARY KEY'`,
    );
    expect(pk).toBeDefined();
    // The staging table was temporary: only the statistic table is left.
    expect(
      (await queryFile(path, 'SELECT table_name FROM duckdb_tables()')).map((r) => r.table_name),
    ).toEqual(['cdn_access_statistic']);
  });

  it('stores each supported type, keeps the last row of a key within a batch, and refuses nested types', async () => {
    const sink = await DuckDbSink.open(':memory:', { table: 't', keyColumns: ['k'] });
    const make = (rows: [string, number | null][]) => {
      const k = arrow.vectorFromArray(
        rows.map((r) => r[0]),
        new arrow.Utf8(),
      );
      const n = rows.length;
      const days = arrow.makeData({
        type: new arrow.DateDay(),
        length: n,
        nullCount: 0,
        data: new Int32Array(n).fill(19875),
      });
      const ts = arrow.makeData({
        type: new arrow.TimestampMicrosecond(),
        length: n,
        nullCount: 0,
        data: new BigInt64Array(n).fill(1_717_200_000_123_456n),
      });
      const dec = arrow.makeData({
        type: new arrow.Decimal(2, 10, 128),
        length: n,
        nullCount: 0,
        data: new Uint32Array(4 * n).map((_, i) => (i % 4 === 0 ? 12345 : 0)),
      });
      const children = [
        k.data[0]!,
        arrow.vectorFromArray(
          rows.map((r) => r[1]),
          new arrow.Int32(),
        ).data[0]!,
        arrow.vectorFromArray(
          rows.map((r) => r[1] !== null && r[1] > 0),
          new arrow.Bool(),
        ).data[0]!,
        arrow.vectorFromArray(
          rows.map((r) => (r[1] ?? 0) / 4),
          new arrow.Float64(),
        ).data[0]!,
        days,
        ts,
        dec,
      ];
      const schema = new arrow.Schema(
        ['k', 'n', 'b', 'f', 'd', 'ts', 'dec'].map(
          (name, i) => new arrow.Field(name, children[i]!.type, true),
        ),
      );
      return new arrow.RecordBatch(
        schema,
        arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }),
      );
    };
    await sink.upsert(
      make([
        ['a', 1],
        ['b', null],
        ['a', 2],
      ]),
      ['k'],
    );
    await sink.upsert(make([['b', 3]]), ['k']);
    const rows = await sink.query(
      'SELECT k, n, b, f, CAST(d AS VARCHAR) AS d, CAST(ts AS VARCHAR) AS ts, CAST(dec AS VARCHAR) AS dec FROM t ORDER BY k',
    );
    expect(rows).toEqual([
      { k: 'a', n: 2, b: true, f: 0.5, d: '2024-06-01', ts: '2024-06-01 00:00:00.123456', dec: '123.45' },
      { k: 'b', n: 3, b: true, f: 0.75, d: '2024-06-01', ts: '2024-06-01 00:00:00.123456', dec: '123.45' },
    ]);
    const nested = new arrow.Table({
      l: arrow.vectorFromArray([[1]], new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
    }).batches[0]!;
    const other = await DuckDbSink.open(':memory:', { table: 'x' });
    await expect(other.write(nested)).rejects.toThrow(/column 'l'/);
    await other.close();
    // A table that exists with other columns is refused, not filled by position.
    const path = join(dir, 'existing.duckdb');
    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    await conn.run('CREATE TABLE t (n INTEGER, k VARCHAR)');
    conn.closeSync();
    db.closeSync();
    const reopened = await DuckDbSink.open(path, { table: 't' });
    await expect(reopened.write(make([['a', 1]]))).rejects.toThrow(/existing table has columns \(n, k\)/);
    await reopened.close();
    await sink.close();
  });
});
