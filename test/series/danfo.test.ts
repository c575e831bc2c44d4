import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromDanfo, loadDanfo, toDanfo } from '../../src/series/danfo.js';
import { DataFrame } from '../../src/series/dataframe.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';

const sample = () =>
  DataFrame.fromSeries(
    {
      id: [1, 2, null],
      price: [1.25, null, -3],
      name: ['a', null, 'über 日本'],
      ok: [true, null, false],
    },
    { types: { id: T.INT(), price: T.DOUBLE(), name: T.STRING(), ok: T.BOOLEAN() } },
  );

describe('danfo adapter', () => {
  it('maps dtypes explicitly and represents nulls the danfo way', async () => {
    const d = await toDanfo(sample());
    expect(d.columns).toEqual(['id', 'price', 'name', 'ok']);
    expect(d.dtypes).toEqual(['int32', 'float32', 'string', 'boolean']);
    expect(d.column('id').values).toEqual([1, 2, Number.NaN]);
    expect(d.column('price').values).toEqual([1.25, Number.NaN, -3]);
    expect(d.column('name').values).toEqual(['a', null, 'über 日本']);
    expect(d.column('ok').values).toEqual([true, null, false]);
    expect(d.isNa().values).toEqual([
      [false, false, false, false],
      [false, true, true, true],
      [true, false, false, false],
    ]);
  }, 30_000);

  it('round-trips a DataFrame, types and nulls included', async () => {
    const back = fromDanfo(await toDanfo(sample()));
    expect(back.schema.map((c) => typeToString(c.type))).toEqual(['INT', 'DOUBLE', 'STRING', 'BOOLEAN']);
    expect(back.toObjects()).toEqual(sample().toObjects());
  }, 30_000);

  it('round-trips random frames', async () => {
    await loadDanfo();
    const row = fc.record({
      i: fc.option(fc.integer(), { nil: null }),
      f: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      s: fc.option(fc.string({ unit: 'grapheme', maxLength: 5 }), { nil: null }),
      b: fc.option(fc.boolean(), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 0, maxLength: 20 }), async (rows) => {
        const df = DataFrame.fromSeries(
          {
            i: rows.map((r) => r.i),
            f: rows.map((r) => r.f),
            s: rows.map((r) => r.s),
            b: rows.map((r) => r.b),
          },
          { types: { i: T.INT(), f: T.DOUBLE(), s: T.STRING(), b: T.BOOLEAN() } },
        );
        const back = fromDanfo(await toDanfo(df));
        expect(back.length).toBe(rows.length);
        expect(back.toObjects()).toEqual(df.toObjects());
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  it('takes explicit types back (BIGINT, DATE, DECIMAL, FLOAT)', async () => {
    const df = DataFrame.fromSeries(
      { big: [2n ** 40n, null], day: [19000, 0], amount: ['12.30', null], f: [1.5, 2.25] },
      { types: { big: T.BIGINT(), day: T.DATE(), amount: T.DECIMAL(10, 2), f: T.FLOAT() } },
    );
    const d = await toDanfo(df);
    expect(d.dtypes).toEqual(['int32', 'int32', 'string', 'float32']);
    const back = fromDanfo(d, { big: T.BIGINT(), day: T.DATE(), amount: T.DECIMAL(10, 2), f: T.FLOAT() });
    expect(back.toObjects()).toEqual(df.toObjects());
    // without types, danfo's dtypes decide (and 2^40 does not fit danfo's int32 → INT)
    expect(() => fromDanfo(d)).toThrow(/column 'big' \(danfo int32\) row 0 holds 1099511627776/);
    expect(fromDanfo(d, { big: T.BIGINT() }).schema.map((c) => typeToString(c.type))).toEqual([
      'BIGINT',
      'INT',
      'STRING',
      'DOUBLE',
    ]);
  }, 30_000);

  it('reads danfo frames whose first value is undefined (danfo itself cannot make a Series of them)', async () => {
    const dfd = await loadDanfo();
    const d = new dfd.DataFrame(
      { s: [undefined, 'x'], n: [1, Number.NaN] },
      { columns: ['s', 'n'], dtypes: ['string', 'int32'] },
    );
    expect(fromDanfo(d).toObjects()).toEqual([
      { s: null, n: 1 },
      { s: 'x', n: null },
    ]);
  }, 30_000);

  it('converts Series both ways', async () => {
    const s = Series.from(['x', null, 'z'], { type: T.STRING(), name: 'letters' });
    const d = await toDanfo(s);
    expect(d.dtype).toBe('string');
    expect(d.values).toEqual(['x', null, 'z']);
    const back = fromDanfo(d);
    expect(back.name).toBe('letters');
    expect(back.toArray()).toEqual(['x', null, 'z']);
    expect(fromDanfo(d, T.VARCHAR(3)).type).toEqual(T.VARCHAR(3));
  }, 30_000);

  it('refuses what danfo cannot hold, naming the column', async () => {
    const big = DataFrame.fromSeries({ b: [2n ** 60n] }, { types: { b: T.BIGINT() } });
    await expect(toDanfo(big)).rejects.toThrow(/column 'b' row 0: 1152921504606846976 is beyond 2\^53/);
    const nested = DataFrame.fromSeries({ l: [[1, 2]] }, { types: { l: T.ARRAY(T.INT()) } });
    await expect(toDanfo(nested)).rejects.toThrow(
      /column 'l' has type ARRAY<INT>, which danfo.js has no dtype for/,
    );
    const dfd = await loadDanfo();
    const wide = new dfd.DataFrame({ n: [1, 2 ** 40] }, { columns: ['n'], dtypes: ['int32'] });
    expect(() => fromDanfo(wide)).toThrow(
      /column 'n' \(danfo int32\) row 1 holds 1099511627776, which does not fit INT/,
    );
    expect(fromDanfo(wide, { n: T.BIGINT() }).col('n').toArray()).toEqual([1n, 2n ** 40n]);
    expect(() => fromDanfo(wide, { m: T.INT() })).toThrow(/names column 'm'/);
  }, 30_000);

  it('tells the user to install danfojs-node when it is missing', async () => {
    await expect(loadDanfo('danfojs-node-not-installed-here')).rejects.toThrow(
      /needs the optional package danfojs-node-not-installed-here.*npm install danfojs-node-not-installed-here/,
    );
  });
});
