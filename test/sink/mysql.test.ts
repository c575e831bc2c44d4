import * as arrow from 'apache-arrow';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdnAggregator } from '../../examples/cdn/aggregate.js';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ipToProvinceColumn } from '../../examples/cdn/ip-kernel.js';
import { MySqlSink, parseMySqlUrl } from '../../src/sink/mysql.js';
import { openSink } from '../../src/sink/open.js';
import { type MariaDbServer, mariadbBinaries, startMariaDb } from './mariadb-server.js';

const available = mariadbBinaries.server !== undefined && mariadbBinaries.installDb !== undefined;
if (!available) {
  console.warn(
    'SKIPPED: MySQL sink integration tests need mariadbd and mariadb-install-db (apt-get install -y mariadb-server)',
  );
}

describe('parseMySqlUrl', () => {
  it('reads user, password, host, port, database, table and hides the password', () => {
    const p = parseMySqlUrl('mysql://u%40x:p%3Aw%2F@db.local:3307/cdn?table=stats&batchRows=50');
    expect(p.config).toMatchObject({
      host: 'db.local',
      port: 3307,
      user: 'u@x',
      password: 'p:w/',
      database: 'cdn',
    });
    expect(p.table).toBe('stats');
    expect(p.batchRows).toBe(50);
    expect(p.redacted).not.toContain('p%3Aw');
    expect(p.redacted).toContain('***');
    expect(() => parseMySqlUrl('mysql://u@host/')).toThrow(/no database/);
    expect(() => parseMySqlUrl('postgres://u@host/db')).toThrow(/mysql:\/\//);
  });
});

describe.skipIf(!available)('MySqlSink against a real MariaDB server', () => {
  let server: MariaDbServer;
  const password = 's3cr%t:@/';
  let url: string;
  let admin: mysql.Connection;

  beforeAll(async () => {
    server = await startMariaDb();
    admin = await mysql.createConnection(server.root);
    await admin.query('CREATE DATABASE cdn CHARACTER SET utf8mb4');
    await admin.query(`CREATE USER 'vecudf'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
    await admin.query(`GRANT ALL ON cdn.* TO 'vecudf'@'127.0.0.1'`);
    url = `mysql://vecudf:${encodeURIComponent(password)}@127.0.0.1:${server.port}/cdn`;
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('upserts the per-province statistic as it updates; the table equals the aggregator', async () => {
    const sink = await openSink(`${url}?table=cdn_access_statistic`);
    expect(sink.target).not.toContain('s3cr');
    const agg = new CdnAggregator();
    for (const b of cdnLogBatches({ rows: 30_000, seed: 21, batchSize: 3_000 })) {
      agg.updateColumns(
        ipToProvinceColumn(b.getChild('client_ip')!),
        b.getChild('uuid'),
        b.getChild('response_size')!,
        b.getChild('request_time')!,
      );
      await sink.upsert!(agg.takeChanges(), ['province']);
    }
    await sink.close();
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT province, access_count, total_download, download_speed FROM cdn.cdn_access_statistic ORDER BY access_count DESC, province',
    );
    const expected = agg.rows();
    expect(rows.length).toBe(expected.length);
    rows.forEach((r, i) => {
      const e = expected[i]!;
      expect(r.province).toBe(e.province);
      expect(BigInt(r.access_count)).toBe(e.access_count);
      expect(BigInt(r.total_download)).toBe(e.total_download);
      expect(r.download_speed).toBeCloseTo(e.download_speed!, 9);
    });
    const [keys] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA='cdn' AND TABLE_NAME='cdn_access_statistic' AND CONSTRAINT_NAME='PRIMARY'`,
    );
    expect(keys.map((k) => k.COLUMN_NAME)).toEqual(['province']);
  });

  it('appends generated logs in batched INSERTs; values read back exactly', async () => {
    const sink = await MySqlSink.open(`${url}?table=logs&batchRows=700`);
    const batches = [...cdnLogBatches({ rows: 5_000, seed: 22, batchSize: 2_000 })];
    for (const b of batches) await sink.write(b);
    const t = new arrow.Table(batches);
    const rows = await sink.query(
      `SELECT uuid, client_ip, request_time, response_size, uri, DATE_FORMAT(event_ts, '%Y-%m-%d %H:%i:%s.%f') AS ts FROM logs`,
    );
    await sink.close();
    expect(rows.length).toBe(t.numRows);
    const byUuid = new Map(rows.map((r) => [r.uuid as string, r]));
    for (const i of [0, 1999, 2000, 4999]) {
      const e = t.get(i)!.toJSON();
      const r = byUuid.get(e.uuid as string)!;
      expect(r.client_ip).toBe(e.client_ip);
      expect(BigInt(r.request_time as number)).toBe(e.request_time);
      expect(BigInt(r.response_size as number)).toBe(e.response_size);
      expect(r.uri).toBe(e.uri);
      const iso = new Date(e.event_ts as number).toISOString();
      expect(r.ts).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}000`);
    }
    const [[n]] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n, COUNT(client_ip) AS ips FROM cdn.logs',
    );
    expect(Number(n!.ips)).toBe(t.numRows - t.getChild('client_ip')!.nullCount);
  });

  it('stores decimals, dates, booleans, big and unsafe int64, NaN as NULL, and keeps the last row of a key', async () => {
    const sink = await MySqlSink.open(url, { table: 'typed', replace: true });
    const n = 3;
    const children = [
      arrow.vectorFromArray(['a', 'a', 'ü'], new arrow.Utf8()).data[0]!,
      arrow.vectorFromArray([7n, -(2n ** 63n), 2n ** 62n + 1n], new arrow.Int64()).data[0]!,
      arrow.vectorFromArray([1, 1.5, Number.NaN], new arrow.Float64()).data[0]!,
      arrow.vectorFromArray([true, false, null], new arrow.Bool()).data[0]!,
      arrow.makeData({
        type: new arrow.DateDay(),
        length: n,
        nullCount: 0,
        data: Int32Array.of(-1, 0, 19875),
      }),
      arrow.makeData({
        type: new arrow.Decimal(3, 12, 128),
        length: n,
        nullCount: 0,
        data: Uint32Array.of(1234567, 0, 0, 0, 0xfffffff6, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 0),
      }),
    ];
    const schema = new arrow.Schema(
      ['k', 'big', 'f', 'b', 'd', 'dec'].map((name, i) => new arrow.Field(name, children[i]!.type, true)),
    );
    const batch = new arrow.RecordBatch(
      schema,
      arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }),
    );
    await sink.upsert(batch, ['k']);
    const rows = await sink.query(
      'SELECT k, CAST(big AS CHAR) AS big, f, b, CAST(d AS CHAR) AS d, CAST(`dec` AS CHAR) AS `dec` FROM typed ORDER BY k',
    );
    await sink.close();
    expect(rows).toEqual([
      { k: 'a', big: String(-(2n ** 63n)), f: 1.5, b: 0, d: '1970-01-01', dec: '-0.010' },
      { k: 'ü', big: String(2n ** 62n + 1n), f: null, b: null, d: '2024-06-01', dec: '0.000' },
    ]);
  });

  it('reports a clear error for a bad password, a missing table name, and a failed insert', async () => {
    await expect(MySqlSink.open(`mysql://vecudf:wrong@127.0.0.1:${server.port}/cdn?table=x`)).rejects.toThrow(
      /Access denied/,
    );
    await expect(MySqlSink.open(url)).rejects.toThrow(/table=/);
    await admin.query('CREATE TABLE cdn.narrow (k VARCHAR(2) PRIMARY KEY, v INT) ');
    await admin.query(`SET GLOBAL sql_mode = 'STRICT_ALL_TABLES'`);
    const sink = await MySqlSink.open(`${url}?table=narrow`);
    const batch = new arrow.Table({
      k: arrow.vectorFromArray(['too long'], new arrow.Utf8()),
      v: arrow.vectorFromArray([1], new arrow.Int32()),
    }).batches[0]!;
    await expect(sink.write(batch)).rejects.toThrow(/insert into narrow failed: .*too long/i);
    await sink.close();
  });
});
