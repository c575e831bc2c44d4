import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ByteWriter } from '../../src/sink/byte-writer.js';
import { CsvSink } from '../../src/sink/csv.js';
import { CsvEncoder } from '../../src/sink/csv-encode.js';
import { parseCsv } from './csv-reference.js';

const dir = mkdtempSync(join(tmpdir(), 'vecudf-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function batchOf(columns: [string, arrow.DataType, unknown[]][]): arrow.RecordBatch {
  const schema = new arrow.Schema(columns.map(([name, type]) => new arrow.Field(name, type, true)));
  const length = columns[0]?.[2].length ?? 0;
  const children = columns.map(([, type, values]) => arrow.vectorFromArray(values, type).data[0]!);
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }),
  );
}

function encode(batch: arrow.RecordBatch, delimiter = ','): string {
  const enc = new CsvEncoder(batch.schema, { delimiter });
  const w = new ByteWriter(16);
  enc.header(w);
  enc.rows(batch, w);
  return new TextDecoder().decode(w.view());
}

/** Timestamp text from the epoch value, through Date (independent of the encoder's calendar code). */
function timestampText(value: bigint, digits: number): string {
  const per = 10n ** BigInt(digits);
  let secs = value / per;
  let frac = value % per;
  if (frac < 0n) {
    secs -= 1n;
    frac += per;
  }
  const iso = new Date(Number(secs) * 1000).toISOString(); // 2024-06-01T00:00:00.000Z
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return digits === 0 ? base : `${base}.${frac.toString().padStart(digits, '0')}`;
}

describe('CSV encoding', () => {
  it('round-trips any strings through an RFC 4180 reader (quotes, delimiters, newlines, empty vs null)', () => {
    const text = fc.option(
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('', '"', 'a,b', 'x\ny', 'c\r\nd', '北京', ' sp ', ';'),
      ),
      { freq: 5 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, text), { maxLength: 50 }),
        fc.constantFrom(',', ';', '\t'),
        (rows, d) => {
          const batch = batchOf([
            ['a', new arrow.Utf8(), rows.map((r) => r[0])],
            ['b,"c"', new arrow.Utf8(), rows.map((r) => r[1])],
          ]);
          const parsed = parseCsv(encode(batch, d), d);
          expect(parsed[0]).toEqual(['a', 'b,"c"']);
          expect(parsed.slice(1)).toEqual(rows.map(([a, b]) => [a, b]));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('writes integers, floats, booleans and decimals as plain text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            i8: fc.option(fc.integer({ min: -128, max: 127 })),
            i32: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
            i64: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
            f64: fc.option(fc.double()),
            b: fc.option(fc.boolean()),
          }),
          { maxLength: 40 },
        ),
        (rows) => {
          const batch = batchOf([
            ['i8', new arrow.Int8(), rows.map((r) => r.i8)],
            ['i32', new arrow.Int32(), rows.map((r) => r.i32)],
            ['i64', new arrow.Int64(), rows.map((r) => r.i64)],
            ['f64', new arrow.Float64(), rows.map((r) => r.f64)],
            ['b', new arrow.Bool(), rows.map((r) => r.b)],
          ]);
          const parsed = parseCsv(encode(batch)).slice(1);
          const s = (v: unknown) => (v === null ? null : String(v));
          expect(parsed).toEqual(
            rows.map((r) => [
              s(r.i8),
              s(r.i32),
              s(r.i64),
              r.f64 === null ? null : Object.is(r.f64, -0) ? '0' : String(r.f64),
              s(r.b),
            ]),
          );
          // Floats read back to the same value.
          parsed.forEach((p, k) => {
            if (rows[k]!.f64 !== null) expect(Number(p[3])).toBe(rows[k]!.f64 === 0 ? 0 : rows[k]!.f64);
          });
        },
      ),
      { numRuns: 200 },
    );
    const dec = batchOf([
      [
        'd',
        new arrow.Decimal(2, 10, 128),
        [
          new Uint32Array([12345, 0, 0, 0]),
          new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]),
          null,
          new Uint32Array([5, 0, 0, 0]),
        ],
      ],
    ]);
    expect(parseCsv(encode(dec)).slice(1)).toEqual([['123.45'], ['-0.01'], [null], ['0.05']]);
  });

  it('writes dates, times and timestamps of every unit, before and after 1970', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.bigInt({ min: -(2n ** 41n), max: 2n ** 42n })), { maxLength: 30 }),
        (ms) => {
          const us = ms.map((v) => (v === null ? null : v * 1000n + 123n));
          const ns = ms.map((v) => (v === null ? null : v * 1_000_000n + 456_789n));
          const secs = ms.map((v) => (v === null ? null : v / 1000n));
          const raw = (type: arrow.DataType, values: (bigint | null)[]) => {
            const data = new BigInt64Array(values.map((v) => v ?? 0n));
            const valid = new Uint8Array(Math.ceil(values.length / 8) + 1);
            values.forEach((v, i) => {
              if (v !== null) valid[i >> 3]! |= 1 << (i & 7);
            });
            return arrow.makeData({
              type,
              length: values.length,
              nullCount: values.filter((v) => v === null).length,
              nullBitmap: valid,
              data,
            } as never);
          };
          const types = [
            new arrow.TimestampSecond(),
            new arrow.TimestampMillisecond(),
            new arrow.TimestampMicrosecond(),
            new arrow.TimestampNanosecond(),
            new arrow.TimestampMillisecond('UTC'),
          ];
          const values = [secs, ms, us, ns, ms];
          const schema = new arrow.Schema(types.map((t, i) => new arrow.Field(`c${i}`, t, true)));
          const batch = new arrow.RecordBatch(
            schema,
            arrow.makeData({
              type: new arrow.Struct(schema.fields),
              length: ms.length,
              nullCount: 0,
              children: types.map((t, i) => raw(t, values[i]!)),
            }),
          );
          const parsed = parseCsv(encode(batch)).slice(1);
          expect(parsed).toEqual(
            ms.map((_, r) => [
              secs[r] === null ? null : timestampText(secs[r]!, 0),
              ms[r] === null ? null : timestampText(ms[r]!, 3),
              us[r] === null ? null : timestampText(us[r]!, 6),
              ns[r] === null ? null : timestampText(ns[r]!, 9),
              ms[r] === null ? null : `${timestampText(ms[r]!, 3)}Z`,
            ]),
          );
        },
      ),
      { numRuns: 200 },
    );
    const days = arrow.makeData({
      type: new arrow.DateDay(),
      length: 3,
      nullCount: 0,
      data: Int32Array.of(0, 19875, -1),
    });
    const time = arrow.makeData({
      type: new arrow.TimeMillisecond(),
      length: 3,
      nullCount: 0,
      data: Int32Array.of(0, 45_296_789, 86_399_999),
    });
    const schema = new arrow.Schema([new arrow.Field('d', days.type), new arrow.Field('t', time.type)]);
    const batch = new arrow.RecordBatch(
      schema,
      arrow.makeData({
        type: new arrow.Struct(schema.fields),
        length: 3,
        nullCount: 0,
        children: [days, time],
      }),
    );
    expect(parseCsv(encode(batch)).slice(1)).toEqual([
      ['1970-01-01', '00:00:00.000'],
      ['2024-06-01', '12:34:56.789'],
      ['1969-12-31', '23:59:59.999'],
    ]);
  });

  it('writes binary as base64 and nested values as JSON', () => {
    const batch = batchOf([
      ['bin', new arrow.Binary(), [Uint8Array.of(0, 255, 1), null]],
      ['list', new arrow.List(new arrow.Field('item', new arrow.Int32(), true)), [[1, 2, null], []]],
    ]);
    expect(parseCsv(encode(batch)).slice(1)).toEqual([
      ['AP8B', '[1,2,null]'],
      [null, '[]'],
    ]);
  });
});

describe('CsvSink', () => {
  it('writes generated logs that DuckDB reads back with the same counts and sums', async () => {
    const path = join(dir, 'logs.csv');
    const sink = await CsvSink.open(path);
    let rows = 0;
    let bytes = 0n;
    let nulls = 0;
    for (const b of cdnLogBatches({ rows: 30_000, seed: 2, batchSize: 7_000 })) {
      await sink.write(b);
      rows += b.numRows;
      nulls += b.getChild('client_ip')!.nullCount;
      for (const v of b.getChild('response_size')!.toArray() as BigInt64Array) bytes += v;
    }
    await sink.close();
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const reader = await conn.runAndReadAll(
      `SELECT count(*) AS n, sum(response_size) AS bytes, count(*) FILTER (WHERE client_ip IS NULL) AS nulls,
              min(event_ts) AS first
       FROM read_csv('${path}', header = true, quote = '"', escape = '"',
         columns = {'uuid': 'VARCHAR', 'client_ip': 'VARCHAR', 'request_time': 'BIGINT', 'response_size': 'BIGINT',
                    'uri': 'VARCHAR', 'event_ts': 'TIMESTAMP'})`,
    );
    const [row] = reader.getRowObjectsJS();
    conn.closeSync();
    db.closeSync();
    expect(row!.n).toBe(BigInt(rows));
    expect(row!.bytes).toBe(bytes);
    // DuckDB reads an unquoted empty field as NULL and "" as an empty string, like our reader.
    expect(Number(row!.nulls)).toBe(nulls);
    expect((row!.first as Date).getTime()).toBeGreaterThanOrEqual(Date.UTC(2024, 5, 1));
  });

  it('writes appended rows, then upserts compacted to the last row per key; rejects other columns', async () => {
    const path = join(dir, 'stats.csv');
    const sink = await CsvSink.open(path);
    const stats = (rows: [string, number][]) =>
      batchOf([
        ['province', new arrow.Utf8(), rows.map((r) => r[0])],
        ['n', new arrow.Int32(), rows.map((r) => r[1])],
      ]);
    await sink.write(stats([['header-row', 0]]));
    await sink.upsert(
      stats([
        ['北京', 1],
        ['上海', 1],
      ]),
      ['province'],
    );
    await sink.upsert(
      stats([
        ['北京', 2],
        ['北京', 3],
      ]),
      ['province'],
    );
    await expect(sink.write(batchOf([['x', new arrow.Utf8(), ['a']]]))).rejects.toThrow(/differ/);
    await expect(sink.upsert(stats([]), ['nope'])).rejects.toThrow(/key column 'nope'/);
    await sink.close();
    await sink.close();
    await expect(sink.write(stats([]))).rejects.toThrow(/closed/);
    expect(parseCsv(readFileSync(path, 'utf8'))).toEqual([
      ['province', 'n'],
      ['header-row', '0'],
      ['北京', '3'],
      ['上海', '1'],
    ]);
  });
});
