/**
 * CSV source against the CSV sink: any batch of scalar columns, written by the sink's encoder
 * (quotes, delimiters, line breaks and non-ASCII in strings, nulls, empty strings, extreme
 * numbers, dates and timestamps) and fed to the decoder in random chunks, reads back as the same
 * values (fast-check).
 */
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeGetter } from '../../src/series/accessors.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { ByteWriter } from '../../src/sink/byte-writer.js';
import { CsvEncoder } from '../../src/sink/csv-encode.js';
import { CsvDecoder } from '../../src/source/csv-decoder.js';
import { toArrowSchema } from '../../src/types/arrow-mapping.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';

const YEAR0 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
const YEAR9999 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/** A type and an arbitrary of its JS values (contracts.md), without null. */
const TYPES: { type: DataType; value: fc.Arbitrary<unknown> }[] = [
  { type: T.TINYINT(), value: fc.integer({ min: -128, max: 127 }) },
  { type: T.SMALLINT(), value: fc.integer({ min: -32768, max: 32767 }) },
  { type: T.INT(), value: fc.integer({ min: -2147483648, max: 2147483647 }) },
  { type: T.BIGINT(), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
  {
    type: T.DOUBLE(),
    value: fc.double().map((v) => (Object.is(v, -0) ? 0 : v)),
  },
  {
    type: T.FLOAT(),
    value: fc.float().map((v) => (Object.is(v, -0) ? 0 : v)),
  },
  { type: T.BOOLEAN(), value: fc.boolean() },
  {
    type: T.STRING(),
    value: fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '中', '😀', '\t') }),
    ),
  },
  {
    type: T.DECIMAL(12, 3),
    value: fc.bigInt({ min: -(10n ** 12n) + 1n, max: 10n ** 12n - 1n }).map(decimal3),
  },
  {
    type: T.DATE(),
    value: fc.integer({ min: Math.floor(YEAR0 / 86_400_000), max: Math.floor(YEAR9999 / 86_400_000) }),
  },
  { type: T.TIME(3), value: fc.integer({ min: 0, max: 86_399_999 }) },
  { type: T.TIMESTAMP(3), value: fc.integer({ min: YEAR0, max: YEAR9999 }) },
  {
    type: T.TIMESTAMP(0),
    value: fc.integer({ min: YEAR0 / 1000, max: Math.floor(YEAR9999 / 1000) }).map((s) => s * 1000),
  },
  { type: T.TIMESTAMP(6), value: fc.integer({ min: YEAR0, max: YEAR9999 }) },
  { type: T.TIMESTAMP_LTZ(3), value: fc.integer({ min: YEAR0, max: YEAR9999 }) },
];

function decimal3(v: bigint): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(4, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

const table = fc
  .uniqueArray(fc.integer({ min: 0, max: TYPES.length - 1 }), { minLength: 1, maxLength: 6 })
  .chain((picked) =>
    fc.record({
      picked: fc.constant(picked),
      rows: fc.array(fc.tuple(...picked.map((k) => fc.option(TYPES[k]!.value, { freq: 5, nil: null }))), {
        minLength: 0,
        maxLength: 30,
      }),
      cuts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
    }),
  );

function batchOf(picked: number[], rows: unknown[][]): arrow.RecordBatch {
  const fields = picked.map((k, c) => ({ name: `c${c}`, type: TYPES[k]!.type }));
  const children = fields.map((f, c) => {
    const b = createColumnBuilder(f.type);
    for (const r of rows) b.append(r[c]);
    return b.finishData();
  });
  const schema = toArrowSchema(fields);
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children }),
  );
}

function values(batches: arrow.RecordBatch[], types: DataType[]): unknown[][] {
  const out: unknown[][] = [];
  for (const b of batches) {
    const getters = types.map((t, c) => makeGetter(b.data.children[c]!, t));
    for (let i = 0; i < b.numRows; i++) out.push(getters.map((g) => g(i)));
  }
  return out;
}

function decode(bytes: Uint8Array, types: DataType[], cuts: number[], batchRows = 7): arrow.RecordBatch[] {
  const dec = new CsvDecoder({ columns: types.map((type, c) => ({ name: `c${c}`, type })), capacity: 4 });
  const out: arrow.RecordBatch[] = [];
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const n = cuts[k++ % cuts.length]!;
    dec.push(bytes.slice(at, at + n));
    at += n;
    while (dec.parse(batchRows)) out.push(dec.take()!);
  }
  dec.end();
  while (dec.parse(batchRows)) out.push(dec.take()!);
  const last = dec.take();
  if (last) out.push(last);
  return out;
}

describe('CSV sink → CSV source', () => {
  it('reads back every value, whatever the chunking', () => {
    fc.assert(
      fc.property(table, ({ picked, rows, cuts }) => {
        const batch = batchOf(picked, rows);
        const types = picked.map((k) => TYPES[k]!.type);
        const w = new ByteWriter();
        const enc = new CsvEncoder(batch.schema);
        enc.header(w);
        enc.rows(batch, w);
        const got = decode(w.view().slice(), types, cuts);
        expect(got.reduce((s, b) => s + b.numRows, 0)).toBe(rows.length);
        for (const b of got) expect(b.numRows).toBeLessThanOrEqual(7);
        const want = values([batch], types);
        const back = values(got, types);
        expect(back, types.map(typeToString).join(', ')).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the Arrow types of the schema', () => {
    const types = TYPES.map((t) => t.type);
    const rows = [types.map(() => null)];
    const batch = batchOf(
      types.map((_, k) => k),
      rows,
    );
    const w = new ByteWriter();
    const enc = new CsvEncoder(batch.schema);
    enc.header(w);
    enc.rows(batch, w);
    const [got] = decode(w.view().slice(), types, [1000]);
    expect(got!.schema.fields.map((f) => String(f.type))).toEqual(
      batch.schema.fields.map((f) => String(f.type)),
    );
    expect(got!.numRows).toBe(1);
  });
});
