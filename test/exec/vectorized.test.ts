import { describe, expect, it } from 'vitest';
import { UdfError } from '../../src/exec/errors.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { DataFrame } from '../../src/series/dataframe.js';
import type { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { mapBatches, vectorizedUdf } from '../../src/udf/define.js';
import { batchOf, columnsOf } from './support/batches.js';

const batch = batchOf([
  { name: 'x', type: T.DOUBLE(), values: [1, 2, null, 4] },
  { name: 'n', type: T.BIGINT(), values: [1n, 2n, 3n, null] },
  { name: 's', type: T.STRING(), values: ['a', 'video', 'B', null] },
]);

describe('runVectorized', () => {
  it('wraps a UDF error with its name, the batch rows and the original stack', async () => {
    const boom = vectorizedUdf(
      (_x: Series) => {
        throw new TypeError('kaboom');
      },
      { name: 'boom', resultType: 'DOUBLE' },
    );
    const err = await runVectorized(
      compilePlan({ calls: [{ udf: boom, args: [{ column: 0 }] }] }),
      batch,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(UdfError);
    expect(err.message).toBe("UDF 'boom' failed on rows 0–3 of the batch: kaboom");
    expect([err.udfName, err.rowStart, err.rowEnd]).toEqual(['boom', 0, 3]);
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(err.stack).toMatch(
      /^UdfError: UDF 'boom' failed on rows 0–3 of the batch: kaboom\nCaused by: TypeError: kaboom\n\s+at .*vectorized\.test\.ts/,
    );
  });

  it('reports result-check failures as UdfError, with PyFlink’s messages', async () => {
    const short = vectorizedUdf((_x: Series) => [], { name: 'length_mismatch', resultType: 'DOUBLE' });
    const scalar = vectorizedUdf((x: Series) => x.sum() as never, {
      name: 'result_type_not_series',
      resultType: 'DOUBLE',
    });
    await expect(
      runVectorized(compilePlan({ calls: [{ udf: short, args: [{ column: 0 }] }] }), batch),
    ).rejects.toThrow(
      "UDF 'length_mismatch' failed on rows 0–3 of the batch: The result length '0' of vectorized UDF 'length_mismatch' is not equal to the input length '4'",
    );
    await expect(
      runVectorized(compilePlan({ calls: [{ udf: scalar, args: [{ column: 0 }] }] }), batch),
    ).rejects.toThrow(
      "The result type of vectorized UDF 'result_type_not_series' must be a Series, typed array or array, got number",
    );
  });

  it('awaits async UDFs and rejections', async () => {
    const later = vectorizedUdf(
      async (s: Series) => {
        await new Promise((r) => setTimeout(r, 1));
        return s.str.upper();
      },
      { name: 'later', inputTypes: ['STRING'], resultType: 'STRING' },
    );
    expect(
      columnsOf(await runVectorized(compilePlan({ calls: [{ udf: later, args: [{ column: 2 }] }] }), batch))
        .f0,
    ).toEqual(['A', 'VIDEO', 'B', null]);
    const rejects = vectorizedUdf(async () => Promise.reject(new Error('remote said no')), {
      name: 'rejects',
      resultType: 'INT',
    });
    await expect(runVectorized(compilePlan({ calls: [{ udf: rejects, args: [] }] }), batch)).rejects.toThrow(
      "UDF 'rejects' failed on rows 0–3 of the batch: remote said no",
    );
  });

  it('checks argument columns against the declared input types', async () => {
    const wantsInt = vectorizedUdf((a: Series) => a, {
      name: 'wants_int',
      inputTypes: ['INT'],
      resultType: 'INT',
    });
    await expect(
      runVectorized(compilePlan({ calls: [{ udf: wantsInt, args: [{ column: 0 }] }] }), batch),
    ).rejects.toThrow(
      "argument 0 of vectorized UDF 'wants_int' is declared INT (Arrow Int32), but input column 0 is Arrow Float64",
    );
    await expect(
      runVectorized(compilePlan({ calls: [{ udf: wantsInt, args: [{ column: 9 }] }] }), batch),
    ).rejects.toThrow('the plan reads input column 9, but the batch has 3 column(s)');
  });

  it('accumulates per-call metrics over batches', async () => {
    const id = vectorizedUdf((a: Series) => a, { name: 'id', resultType: 'DOUBLE' });
    const plan = compilePlan({ calls: [{ udf: id, args: [{ column: 0 }] }] });
    await runVectorized(plan, batch);
    await runVectorized(plan, batch);
    expect(plan.metrics[0]).toMatchObject({ output: 'f0', udf: 'id', rows: 8, batches: 2 });
  });
});

describe('mapBatches', () => {
  it('gets a DataFrame of its arguments and returns the columns of its ROW result type', async () => {
    const normalize = mapBatches(
      (df: DataFrame) => {
        const x = df.col('x');
        return df.assign({ z: x.sub(x.mean()), tag: df.col('s').str.upper() });
      },
      { name: 'normalize', resultType: T.ROW([T.FIELD('z', T.DOUBLE()), T.FIELD('tag', T.STRING())]) },
    );
    const plan = compilePlan({ calls: [{ udf: normalize, args: [{ column: 0 }, { column: 2 }] }] });
    const out = await runVectorized(plan, batch);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['z', 'tag']);
    const mean = (1 + 2 + 4) / 3;
    expect(columnsOf(out)).toEqual({
      z: [1 - mean, 2 - mean, null, 4 - mean],
      tag: ['A', 'VIDEO', 'B', null],
    });
  });

  it('accepts a record of columns, and names a missing one', async () => {
    const rec = mapBatches((df: DataFrame) => ({ y: new Float64Array(df.length).fill(1) }), {
      name: 'rec',
      resultType: 'ROW<y DOUBLE>',
    });
    expect(
      columnsOf(await runVectorized(compilePlan({ calls: [{ udf: rec, args: [{ column: 0 }] }] }), batch)),
    ).toEqual({
      y: [1, 1, 1, 1],
    });
    const missing = mapBatches((df: DataFrame) => DataFrame.fromSeries({ q: df.col('x') }), {
      name: 'missing',
      resultType: 'ROW<y DOUBLE>',
    });
    await expect(
      runVectorized(compilePlan({ calls: [{ udf: missing, args: [{ column: 0 }] }] }), batch),
    ).rejects.toThrow("The result of mapBatches UDF 'missing' has no column 'y' (columns: q)");
  });
});
