/**
 * The full path: runner → gRPC on 127.0.0.1 → `vecudf worker` as a separate process, compared
 * with the in-process executors. One worker serves the whole file (start-up costs a second).
 */
import { RecordBatch, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/exec/plan.js';
import { BundleError } from '../../src/runner/bundle.js';
import { runInProcess } from '../../src/runner/in-process.js';
import { Runner, type RunSpec } from '../../src/runner/runner.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { columnValues, genBatches } from '../helpers/gen-batches.js';
import { EVERY_TYPE } from '../helpers/types.js';

const UDFS = new URL('../helpers/udfs.ts', import.meta.url).pathname;
const ref = (exp: string, extra: Record<string, unknown> = {}) => ({ module: UDFS, export: exp, ...extra });

let runner: Runner;
beforeAll(async () => {
  runner = await Runner.start();
});
afterAll(async () => {
  await runner?.close();
});

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

function allColumns(batches: RecordBatch[]): Record<string, unknown[]> {
  const names = batches[0]!.schema.fields.map((f) => f.name);
  return Object.fromEntries(names.map((n) => [n, columnValues(batches, n)]));
}

const numbers = () =>
  genBatches({
    rows: 120_000,
    batchRows: 50_000,
    seed: 11,
    columns: [
      { name: 'a', type: T.DOUBLE(), nullRate: 0.05 },
      { name: 'b', type: T.DOUBLE(), nullRate: 0.05 },
      { name: 's', type: T.STRING(), nullRate: 0.05 },
    ],
  });

describe('runner → worker process', () => {
  it('runs several bundles, several in flight, in input order, equal to in-process', async () => {
    const input = numbers();
    const spec: RunSpec = {
      plan: { calls: [{ udf: ref('plus'), args: [{ column: 0 }, { column: 1 }] }] },
      columns: ['a', 'b'],
      arrowBatchSize: 5_000,
      bundleSize: 20_000,
      maxBundlesInFlight: 3,
    };
    const run = runner.run(input, spec);
    const out = await collect(run);
    const ref_ = await collect(runInProcess(input, spec));
    expect(allColumns(out)).toEqual(allColumns(ref_));
    expect(out.map((b) => b.numRows)).toEqual(Array(24).fill(5_000));
    expect(run.metrics).toMatchObject({
      mode: 'vectorized',
      rows: 120_000,
      outputRows: 120_000,
      batches: 24,
      bundles: 6,
    });
    expect(run.metrics.udfMs).toBeGreaterThan(0);
    expect(run.metrics.bytesSent).toBeGreaterThan(120_000 * 16);
  });

  it('gives the same results vectorized, row-wise and in process, for chained UDFs with constants', async () => {
    const input = numbers();
    const chain = (plus: string, scale: string): Plan => ({
      calls: [
        {
          udf: ref(scale),
          args: [
            { call: { udf: ref(plus), args: [{ column: 0 }, { column: 1 }] } },
            { constant: 2.5, type: 'DOUBLE' },
          ],
          name: 'scaled',
        },
        { udf: ref(plus), args: [{ column: 1 }, { column: 0 }], name: 'sum' },
      ],
    });
    const spec = (plan: Plan): RunSpec => ({
      plan,
      columns: ['a', 'b'],
      arrowBatchSize: 7_000,
      bundleSize: 30_000,
    });
    const vec = await collect(runner.run(input, spec(chain('plus', 'scale'))));
    const row = await collect(runner.run(input, spec(chain('plusRow', 'scaleRow'))));
    const inproc = await collect(runInProcess(input, spec(chain('plus', 'scale'))));
    const a = columnValues(input, 'a') as (number | null)[];
    const b = columnValues(input, 'b') as (number | null)[];
    const expected = a.map((x, i) => (x === null || b[i] === null ? null : (x + b[i]!) * 2.5));
    expect(columnValues(vec, 'scaled')).toEqual(expected);
    expect(allColumns(row)).toEqual(allColumns(vec));
    expect(allColumns(inproc)).toEqual(allColumns(vec));
  });

  it('carries every supported type, with nulls, through both coders', async () => {
    const input = genBatches({ rows: 3_000, batchRows: 1_100, seed: 5, columns: EVERY_TYPE });
    const plan = (kind: 'vectorized' | 'row'): Plan => ({
      calls: EVERY_TYPE.map((c, i) => ({
        udf: ref('same', { kind, resultType: typeToString(c.type), inputTypes: [typeToString(c.type)] }),
        args: [{ column: i }],
        name: `r_${c.name}`,
      })),
    });
    const spec = (kind: 'vectorized' | 'row'): RunSpec => ({
      plan: plan(kind),
      arrowBatchSize: 1_000,
      bundleSize: 2_000,
    });
    const vec = allColumns(await collect(runner.run(input, spec('vectorized'))));
    const row = allColumns(await collect(runner.run(input, spec('row'))));
    for (const c of EVERY_TYPE) {
      expect(vec[`r_${c.name}`], c.name).toEqual(vec[c.name]);
      expect(row[`r_${c.name}`], c.name).toEqual(vec[c.name]);
    }
    expect(Object.keys(vec)).toEqual([
      ...EVERY_TYPE.map((c) => c.name),
      ...EVERY_TYPE.map((c) => `r_${c.name}`),
    ]);
  });

  it('runs an aggregate per group key', async () => {
    const keys = Array.from({ length: 9_000 }, (_, i) => `k${Math.floor(i / 700)}`);
    const batches = genBatches({
      rows: 9_000,
      batchRows: 2_000,
      seed: 9,
      columns: [{ name: 'x', type: T.DOUBLE() }],
    });
    let at = 0;
    const input = batches.map(
      (b) =>
        new RecordBatch({
          k: vectorFromArray(keys.slice(at, (at += b.numRows)), new Utf8()).data[0]!,
          x: b.getChild('x')!.data[0]!,
        }),
    );
    const spec: RunSpec = {
      plan: { calls: [{ udf: ref('meanOf'), args: [{ column: 0 }] }] },
      columns: ['x'],
      // k comes first in the input: the output is k, then result
      groupBy: ['k'],
      bundleSize: 3_000,
    };
    const run = runner.run(input, spec);
    const out = await collect(run);
    const inproc = await collect(runInProcess(input, spec));
    expect(run.metrics.mode).toBe('aggregate');
    expect(columnValues(out, 'k')).toEqual(Array.from({ length: 13 }, (_, g) => `k${g}`));
    const x = columnValues(input, 'x') as number[];
    const means = Array.from({ length: 13 }, (_, g) => {
      const part = x.slice(g * 700, Math.min((g + 1) * 700, 9_000));
      return part.reduce((s, v) => s + v, 0) / part.length;
    });
    (columnValues(out, 'result') as number[]).forEach((m, g) => {
      expect(m).toBeCloseTo(means[g]!, 6);
    });
    expect(allColumns(out)).toEqual(allColumns(inproc));
  });

  it('fails the bundle of a throwing UDF naming the UDF and rows, and runs the next one', async () => {
    const input = genBatches({
      rows: 40_000,
      batchRows: 40_000,
      seed: 2,
      columns: [{ name: 'x', type: T.DOUBLE() }],
    });
    // make row 25,123 negative and every other row positive
    const x = input[0]!.getChild('x')!.data[0]!.values as Float64Array;
    for (let i = 0; i < x.length; i++) x[i] = Math.abs(x[i]!) + 1;
    x[25_123] = -1;
    const spec: RunSpec = {
      plan: { calls: [{ udf: ref('failOnNegative'), args: [{ column: 0 }] }] },
      arrowBatchSize: 5_000,
      bundleSize: 10_000,
    };
    const got: RecordBatch[] = [];
    const err = await (async () => {
      try {
        for await (const b of runner.run(input, spec)) got.push(b);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(BundleError);
    expect(err!.message).toMatch(/failOnNegative/);
    expect(err!.message).toMatch(/input rows 20000–29999/);
    expect(err!.message).toMatch(/negative value -1/);
    expect(got.reduce((n, b) => n + b.numRows, 0)).toBe(20_000);
    // the worker survives: the next run on it succeeds
    x[25_123] = 1;
    const out = await collect(runner.run(input, spec));
    expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(40_000);
  });
});

describe('a worker that dies', () => {
  it('fails the bundles in flight with a clear error, never hangs', async () => {
    const own = await Runner.start();
    try {
      const input = genBatches({
        rows: 20_000,
        batchRows: 20_000,
        seed: 3,
        columns: [{ name: 'x', type: T.DOUBLE() }],
      });
      const run = own.run(input, {
        plan: { calls: [{ udf: ref('slowIdentity'), args: [{ column: 0 }] }] },
        arrowBatchSize: 1_000,
        bundleSize: 2_000,
      });
      const t0 = performance.now();
      setTimeout(() => process.kill(own.worker.pid!, 'SIGKILL'), 400);
      await expect(collect(run)).rejects.toThrow(/worker .* was killed by SIGKILL/);
      expect(performance.now() - t0).toBeLessThan(10_000);
    } finally {
      await own.close();
    }
  });
});
