/**
 * Malformed CSV lines: each reported with the line its record starts on and why, the good rows
 * kept exactly (a line whose later field is bad leaves nothing in the earlier columns); the
 * default policy throws the first one. Also: nulls, quoting, CRLF, type inference, value text.
 */
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvDecodeOptions, CsvDecoder } from '../../src/source/csv-decoder.js';
import { parseDate, parseDouble, parseTime, parseTimestamp } from '../../src/source/csv-text.js';
import { CsvLineError, SourceError } from '../../src/source/errors.js';
import { parseCsvSchema } from '../../src/source/open-source.js';
import { typeToString } from '../../src/types/data-types.js';

const enc = new TextEncoder();

/** Decodes `text` pushed in chunks of `chunk` bytes; returns the rows (JS values) and the errors. */
function read(text: string | Uint8Array, opts: CsvDecodeOptions, chunk = 1 << 20) {
  const errors: string[] = [];
  const dec = new CsvDecoder({ onBadLine: (e) => errors.push(e.message), ...opts });
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  const batches: arrow.RecordBatch[] = [];
  for (let at = 0; at < bytes.length; at += chunk) {
    dec.push(bytes.slice(at, at + chunk));
    while (dec.parse(1000)) batches.push(dec.take()!);
  }
  dec.end();
  dec.parse(1000);
  const last = dec.take();
  if (last) batches.push(last);
  const rows = new arrow.Table(batches.length ? batches : []).toArray().map((r) => ({ ...r.toJSON() }));
  return { rows, errors, dec, schema: dec.schema };
}

const cols = parseCsvSchema('id BIGINT, name STRING, ts TIMESTAMP(3)');

const BAD = [
  'id,name,ts', // 1
  '1,a,2024-06-01 00:00:00.000', // 2 ok
  '2,b', // 3 field count
  'x3,c,2024-06-01T00:00:00Z', // 4 bad BIGINT
  '4,"d\nstill d",1717200000000', // 5-6 ok, a quoted line break
  '5,e,2024-13-01 00:00:00', // 7 bad timestamp
  '6,f"g,0', // 8 quote in an unquoted field
  '7,"h"i,0', // 9 text after a closing quote
  '', // 10 empty line, skipped
  '8,,', // 11 ok: nulls
  '9,"",-1', // 12 ok: empty string, epoch ms
  '10,"unterminated,0', // 13 runs to the end of the input
  '11,z,0',
].join('\n');

describe('malformed lines', () => {
  it('are reported with the line their record starts on and the reason', () => {
    const { rows, errors, dec } = read(BAD, { columns: cols });
    expect(errors).toEqual([
      'line 3: expected 3 fields, got 2',
      "line 4: column 'id': 'x3' is not a BIGINT",
      "line 7: column 'ts': '2024-13-01 00:00:00' is not a TIMESTAMP(3)",
      'line 8: quote inside an unquoted field',
      'line 9: unexpected character after a closing quote',
      'line 13: unterminated quoted field',
    ]);
    expect(rows).toEqual([
      { id: 1n, name: 'a', ts: Date.UTC(2024, 5, 1) },
      { id: 4n, name: 'd\nstill d', ts: 1717200000000 },
      { id: 8n, name: null, ts: null },
      { id: 9n, name: '', ts: -1 },
    ]);
    expect(dec.badLines).toBe(6);
    expect(dec.rowsRead).toBe(4);
  });

  it('are the same whatever the chunking', () => {
    const whole = read(BAD, { columns: cols });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), (chunk) => {
        const r = read(BAD, { columns: cols }, chunk);
        expect(r.errors).toEqual(whole.errors);
        expect(r.rows).toEqual(whole.rows);
      }),
      { numRuns: 64 },
    );
  });

  it('fail the read by default, at the first one', () => {
    const dec = new CsvDecoder({ columns: cols });
    dec.push(enc.encode(BAD));
    expect(() => dec.parse(1000)).toThrow(new CsvLineError(3, 'expected 3 fields, got 2'));
    // reading goes on after the bad line: the next call reports the next one
    expect(() => dec.parse(1000)).toThrow(new CsvLineError(4, "column 'id': 'x3' is not a BIGINT"));
  });

  it('leave nothing behind in the columns already written', () => {
    const { rows, errors } = read('a,b,c\n1,2,3\n4,5,x\n6,7,8\n', {
      columns: parseCsvSchema('a INT, b INT, c INT'),
    });
    expect(errors).toEqual(["line 3: column 'c': 'x' is not a INT"]);
    expect(rows).toEqual([
      { a: 1, b: 2, c: 3 },
      { a: 6, b: 7, c: 8 },
    ]);
  });

  it('include invalid UTF-8, values out of range and nulls in NOT NULL columns', () => {
    const bytes = new Uint8Array([
      ...enc.encode('s,n\nok,1\n'),
      0xff,
      0xfe,
      ...enc.encode(',2\nx,300\n,3\nz,\n'),
    ]);
    const { rows, errors } = read(bytes, { columns: parseCsvSchema('s STRING, n TINYINT NOT NULL') });
    expect(errors).toEqual([
      'line 3: invalid UTF-8',
      "line 4: column 'n': '300' is not a TINYINT",
      "line 6: column 'n': null in NOT NULL column",
    ]);
    expect(rows).toEqual([
      { s: 'ok', n: 1 },
      { s: null, n: 3 },
    ]);
  });

  it('an unterminated quote longer than the limit is one bad record, and reading goes on', () => {
    const text = `a,b\n1,"${'x'.repeat(100)}\n2,y\n3,z\n`;
    const { rows, errors } = read(
      text,
      { columns: parseCsvSchema('a INT, b STRING'), maxRecordBytes: 50 },
      16,
    );
    expect(errors).toEqual(['line 2: record longer than 50 bytes (an unterminated quoted field?)']);
    expect(rows).toEqual([
      { a: 2, b: 'y' },
      { a: 3, b: 'z' },
    ]);
  });
});

describe('CSV text', () => {
  it('CRLF line ends, a last line without one, --null-string, a one-column file with empty lines', () => {
    expect(
      read('a,b\r\n1,NA\r\n2,"x"\r\n3,y', { columns: parseCsvSchema('a INT, b STRING'), nullString: 'NA' })
        .rows,
    ).toEqual([
      { a: 1, b: null },
      { a: 2, b: 'x' },
      { a: 3, b: 'y' },
    ]);
    expect(read('a\n1\n\n2\n', { columns: parseCsvSchema('a INT') }).rows).toEqual([
      { a: 1 },
      { a: null },
      { a: 2 },
    ]);
  });

  it('without a header the first line is data; a header of the wrong width is refused', () => {
    expect(read('1,2\n', { columns: parseCsvSchema('a INT, b INT'), header: false }).rows).toEqual([
      { a: 1, b: 2 },
    ]);
    expect(() => read('a\n1\n', { columns: parseCsvSchema('a INT, b INT') })).toThrow(
      new SourceError('line 1: the header has 1 fields but the schema has 2 columns'),
    );
    expect(() => new CsvDecoder({ header: false })).toThrow(/needs a header line/);
  });

  it('infers types from the first rows of a header-only file', () => {
    const text = [
      'i,d,b,day,ts,us,s,none',
      '1,1.5,true,2024-06-01,2024-06-01 00:00:00.020,2024-06-01T00:00:00.123456Z,x,',
      '-2,3,FALSE,1999-12-31,2024-06-01 00:00:01,2024-06-01T00:00:00Z,12,',
      ',,,,,,,',
    ].join('\n');
    const { rows, schema } = read(text, {});
    expect(schema!.fields.map((f) => f.name)).toEqual(['i', 'd', 'b', 'day', 'ts', 'us', 's', 'none']);
    const dec = new CsvDecoder();
    dec.push(enc.encode(text));
    dec.end();
    dec.parse(10);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ i: 1n, d: 1.5, b: true, s: 'x', none: null });
    expect(rows[1]).toMatchObject({ i: -2n, d: 3, b: false, s: '12' });
    expect(schema!.fields.map((f) => String(f.type))).toEqual([
      'Int64',
      'Float64',
      'Bool',
      'Date32<DAY>',
      'Timestamp<MILLISECOND>',
      'Timestamp<MICROSECOND>',
      'Utf8',
      'Utf8',
    ]);
  });

  it('parses ISO-8601 timestamps with zones, epoch ms, and refuses impossible dates', () => {
    const ts = (s: string, digits = 3) => parseTimestamp(enc.encode(s), 0, enc.encode(s).length, digits);
    expect(ts('2024-06-01T08:00:00+08:00')).toBe(Date.UTC(2024, 5, 1));
    expect(ts('2024-06-01 00:00:00.5-01:30')).toBe(Date.UTC(2024, 5, 1, 1, 30, 0, 500));
    expect(ts('2024-06-01t00:00z')).toBe(Date.UTC(2024, 5, 1));
    expect(ts('1717200000020')).toBe(1717200000020);
    expect(ts('1717200000020', 6)).toBe(1717200000020000);
    expect(ts('2024-06-01 00:00:00.123456789', 9)).toBe(1717200000123456789n);
    expect(ts('-1', 0)).toBe(-1);
    for (const bad of [
      '2023-02-29 00:00:00',
      '2024-06-01',
      '2024-06-01 24:00:00',
      '2024-6-01 00:00:00',
      '2024-06-01 00:00:00 ',
      'x',
    ])
      expect(ts(bad), bad).toBeUndefined();
    const d = (s: string) => parseDate(enc.encode(s), 0, s.length);
    expect(d('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
    expect(d('1969-12-31')).toBe(-1);
    expect(d('2023-02-29')).toBeUndefined();
    expect(parseTime(enc.encode('12:34:56.7'), 0, 10, 3)).toBe(45_296_700);
  });

  it('parses doubles exactly as Number() does', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (v) => {
        const text = String(v);
        expect(parseDouble(enc.encode(text), 0, text.length)).toBe(Number(text));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 999999 }), (i, f) => {
        const text = `${i}.${String(f).padStart(6, '0')}`;
        expect(parseDouble(enc.encode(text), 0, text.length)).toBe(Number(text));
      }),
    );
    for (const bad of ['', '-', '1e', '0x10', ' 1', '1,5', '.'])
      expect(parseDouble(enc.encode(bad), 0, bad.length), bad).toBeUndefined();
  });

  it('--schema is Flink SQL column syntax', () => {
    expect(
      parseCsvSchema('`user name` STRING, amount DECIMAL(10, 2) NOT NULL').map(
        (c) => `${c.name}: ${typeToString(c.type)}`,
      ),
    ).toEqual(['user name: STRING', 'amount: DECIMAL(10, 2) NOT NULL']);
    expect(() => parseCsvSchema('a BIGINTEGER')).toThrow(SourceError);
    expect(() => read('a\n', { columns: parseCsvSchema('a ARRAY<INT>') })).toThrow(
      /nested values need Arrow input/,
    );
  });
});
