import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFrame } from '../../src/series/dataframe.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';

const mixed = () =>
  DataFrame.fromSeries(
    {
      id: Int32Array.of(1, 2, 3, 4),
      city: ['köln', null, 'köln', 'paris'],
      bytes: [10.5, 2, null, 7],
      ok: [true, false, null, true],
    },
    { types: { city: T.STRING(), bytes: T.DOUBLE(), ok: T.BOOLEAN() } },
  );

describe('DataFrame basics', () => {
  it('builds from named columns and reads them back', () => {
    const df = mixed();
    expect(df.length).toBe(4);
    expect(df.columns).toEqual(['id', 'city', 'bytes', 'ok']);
    expect(df.schema.map((c) => typeToString(c.type))).toEqual(['INT', 'STRING', 'DOUBLE', 'BOOLEAN']);
    expect(df.col('city').toArray()).toEqual(['köln', null, 'köln', 'paris']);
    expect(df.toObjects()[1]).toEqual({ id: 2, city: null, bytes: 2, ok: false });
  });

  it('names the missing column and lists the others', () => {
    expect(() => mixed().col('nope')).toThrow("DataFrame has no column 'nope'; columns: id, city, bytes, ok");
  });

  it('refuses columns of different lengths', () => {
    expect(() => DataFrame.fromSeries({ a: [1, 2], b: [1] })).toThrow(/column 'b' has 1 rows, expected 2/);
    expect(() => mixed().assign({ x: [1] })).toThrow(/column 'x' has 1 rows, the frame has 4/);
  });

  it('wraps a record batch without copying and converts back', () => {
    const table = new arrow.Table({
      x: arrow.vectorFromArray(Float64Array.of(1, 2, 3)),
      s: arrow.vectorFromArray(['a', 'b', 'c'], new arrow.Utf8()),
    });
    const batch = table.batches[0]!;
    const df = DataFrame.fromRecordBatch(batch);
    expect(df.col('x').values!.buffer).toBe((batch.getChild('x')!.data[0]!.values as Float64Array).buffer);
    const rb = df.toRecordBatch();
    expect(rb.numRows).toBe(3);
    expect(rb.schema.fields.map((f) => f.name)).toEqual(['x', 's']);
    expect(rb.getChild('x')!.data[0]).toBe(batch.getChild('x')!.data[0]);
    const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(rb)));
    expect(back.getChild('s')!.toArray()).toEqual(['a', 'b', 'c']);
  });

  it('keeps NOT NULL fields NOT NULL both ways, and loads columns without a DataType lazily', () => {
    const data = arrow.makeData({ type: new arrow.Int32(), length: 2, data: Int32Array.of(1, 2) });
    const dict = arrow.vectorFromArray(['u', 'v']); // Dictionary<Int32, Utf8>: no DataType
    const fields = [new arrow.Field('id', new arrow.Int32(), false), new arrow.Field('d', dict.type, true)];
    const batch = new arrow.RecordBatch(
      new arrow.Schema(fields),
      arrow.makeData({ type: new arrow.Struct(fields), length: 2, children: [data, dict.data[0]!] }),
    );
    const df = DataFrame.fromRecordBatch(batch);
    expect(typeToString(df.col('id').type)).toBe('INT NOT NULL');
    expect(() => df.col('d').type).toThrow(
      /column 'd': Arrow type Dictionary<Int32, Utf8> has no vecudf DataType/,
    );
    const rb = df.toRecordBatch();
    expect(rb.schema.fields.map((f) => f.nullable)).toEqual([false, true]);
    expect(df.toString().split('\n')[1]).toBe('INT NOT NULL │ Dictionary<Int32, Utf8>');
    expect(df.toString().split('\n')[3]).toBe('           1 │ u');
  });

  it('makes several chunks contiguous in toRecordBatch', () => {
    const t = new arrow.Table({
      v: arrow
        .vectorFromArray([1, 2], new arrow.Int32())
        .concat(arrow.vectorFromArray([3, null], new arrow.Int32())),
    });
    const df = DataFrame.fromTable(t);
    const rb = df.toRecordBatch();
    expect(rb.getChild('v')!.data).toHaveLength(1);
    expect([...rb.getChild('v')!]).toEqual([1, 2, 3, null]);
  });

  it('selects, drops and assigns (replacing in place, appending new)', () => {
    const df = mixed();
    expect(df.select('ok', 'id').columns).toEqual(['ok', 'id']);
    expect(df.drop('city').columns).toEqual(['id', 'bytes', 'ok']);
    const a = df.assign({ id: Float64Array.of(9, 8, 7, 6), z: df.col('bytes').mul(2) });
    expect(a.columns).toEqual(['id', 'city', 'bytes', 'ok', 'z']);
    expect(a.col('id').toArray()).toEqual([9, 8, 7, 6]);
    expect(a.col('z').toArray()).toEqual([21, 4, null, 14]);
    expect(df.col('id').toArray()).toEqual([1, 2, 3, 4]); // the original is untouched
  });

  it('takes rows by index: checked at once, gathered from its own copy of the indices', () => {
    const df = mixed();
    expect(() => df.take(Int32Array.of(0, 4))).toThrow(/index 4 is out of range for a frame of 4 rows/);
    const idx = Int32Array.of(3, -1, 0);
    const t = df.take(idx);
    idx.fill(1); // gathering is deferred until a column is read: the frame must not see this
    expect(t.toObjects()).toEqual([
      { id: 4, city: 'paris', bytes: 7, ok: true },
      { id: null, city: null, bytes: null, ok: null },
      { id: 1, city: 'köln', bytes: 10.5, ok: true },
    ]);
    expect(t.slice(1).col('id').toArray()).toEqual([null, 1]);
  });

  it('takes head and slices without copying', () => {
    const df = mixed();
    expect(df.head(2).col('city').toArray()).toEqual(['köln', null]);
    expect(df.head(99).length).toBe(4);
    expect(df.slice(-2).col('id').toArray()).toEqual([3, 4]);
    expect(df.slice(1, 3).col('bytes').toArray()).toEqual([2, null]);
  });

  it('filters by a boolean mask, dropping rows where the mask is null', () => {
    const df = mixed();
    const f = df.filter(df.col('ok'));
    expect(f.col('id').toArray()).toEqual([1, 4]);
    expect(df.filter(df.col('bytes').gt(5)).col('id').toArray()).toEqual([1, 4]);
    expect(() => df.filter(df.col('id'))).toThrow(/mask must be a BOOLEAN column/);
  });

  it('filters like a naive row loop on random frames', () => {
    const row = fc.record({
      s: fc.option(fc.constantFrom('a', 'ü', '日本', ''), { nil: null }),
      n: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
      m: fc.option(fc.boolean(), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 70 }), (rows) => {
        const df = DataFrame.fromSeries(
          { s: rows.map((r) => r.s), n: rows.map((r) => r.n), m: rows.map((r) => r.m) },
          { types: { s: T.STRING(), n: T.INT(), m: T.BOOLEAN() } },
        );
        const got = df.filter(df.col('m')).toObjects();
        expect(got).toEqual(rows.filter((r) => r.m === true));
      }),
      { numRuns: 150 },
    );
  });
});

describe('DataFrame.toString', () => {
  it('prints an aligned table with types, nulls and a size footer', () => {
    const df = DataFrame.fromSeries(
      { id: Int32Array.of(1, 20), name: ['ab', null], t: [0, 86_400_000 + 1500] },
      { types: { name: T.STRING(), t: T.TIMESTAMP(3) } },
    );
    const lines = df.toString().split('\n');
    expect(lines).toEqual([
      ' id │ name   │ t',
      'INT │ STRING │ TIMESTAMP(3)',
      '────┼────────┼──────────────────────',
      '  1 │ ab     │ 1970-01-01 00:00:00',
      ' 20 │ null   │ 1970-01-02 00:00:01.5',
      '[2 rows × 3 columns]',
    ]);
  });

  it('cuts long frames around a … row', () => {
    const df = DataFrame.fromSeries({ i: Int32Array.from({ length: 100 }, (_, i) => i) });
    const lines = df.toString({ maxRows: 4 }).split('\n');
    expect(lines.map((l) => l.trim())).toEqual([
      'i',
      'INT',
      '───',
      '0',
      '1',
      '…',
      '98',
      '99',
      '[100 rows × 1 column]',
    ]);
  });
});

describe('Series interplay', () => {
  it('accepts Series under another name and renames them', () => {
    const s = Series.from(Float64Array.of(1, 2), { name: 'old' });
    const df = DataFrame.fromSeries({ fresh: s });
    expect(df.columns).toEqual(['fresh']);
    expect(df.col('fresh').name).toBe('fresh');
  });
});
