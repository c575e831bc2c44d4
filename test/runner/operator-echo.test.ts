/**
 * The runner's operator over real gRPC on 127.0.0.1 against a scripted worker (test/helpers/
 * echo-worker.ts) that answers each input element with itself: batching, bundling, order,
 * bundles in flight, backpressure, failures — without depending on the real worker.
 */
import { type RecordBatch, RecordBatchStreamWriter, tableFromIPC } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { BundleError } from '../../src/runner/bundle.js';
import type { WorkerHandle } from '../../src/runner/process-worker.js';
import { Runner } from '../../src/runner/runner.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { type EchoOptions, type EchoWorker, startEchoWorker } from '../helpers/echo-worker.js';
import { columnValues, genBatches } from '../helpers/gen-batches.js';

const UDFS = new URL('../helpers/udfs.ts', import.meta.url).pathname;
const identityPlan = (exp = 'identity') => ({
  calls: [{ udf: { module: UDFS, export: exp }, args: [{ column: 0 }] }],
});

let runners: Runner[] = [];
afterEach(async () => {
  await Promise.all(runners.map((r) => r.close()));
  runners = [];
});

async function echoRunner(opts: EchoOptions = {}): Promise<{ runner: Runner; echo: () => EchoWorker }> {
  let echo: EchoWorker | undefined;
  const runner = await Runner.start({
    environment: {
      type: 'custom',
      async start(servers, id): Promise<WorkerHandle> {
        const connection = servers.expectWorker(id);
        echo = await startEchoWorker(servers, id, opts);
        await connection.ready;
        return {
          id,
          connection,
          async close() {
            connection.close();
            echo?.close();
          },
        };
      },
    },
  });
  runners.push(runner);
  return { runner, echo: () => echo! };
}

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

const input = () =>
  genBatches({
    rows: 95_000,
    batchRows: 25_000,
    seed: 7,
    columns: [
      { name: 'x', type: T.DOUBLE() },
      { name: 's', type: T.STRING(), nullRate: 0.1 },
    ],
  });

describe('runner operator over gRPC (scripted worker)', () => {
  it('keeps input order with several bundles in flight finishing out of order', async () => {
    // Bundle n waits longer the earlier it is, so later bundles finish first.
    const { runner, echo } = await echoRunner({ delayMs: (n) => Math.max(0, 60 - 15 * n) });
    const batches = input();
    const run = runner.run(batches, {
      plan: identityPlan(),
      columns: ['x'],
      arrowBatchSize: 10_000,
      bundleSize: 20_000,
      maxBundlesInFlight: 3,
    });
    const out = await collect(run);
    expect(out.map((b) => b.numRows)).toEqual([...Array(9).fill(10_000), 5_000]);
    expect(out[0]!.schema.fields.map((f) => f.name)).toEqual(['x', 's', 'result']);
    expect(columnValues(out, 'result')).toEqual(columnValues(batches, 'x'));
    expect(columnValues(out, 's')).toEqual(columnValues(batches, 's'));
    expect(run.metrics).toMatchObject({
      mode: 'vectorized',
      rows: 95_000,
      outputRows: 95_000,
      batches: 10,
      bundles: 5,
    });
    expect(run.metrics.elapsedMs).toBeGreaterThan(0);
    expect(run.metrics.udfMs).toBe(10); // the scripted worker reports 2 ms per bundle
    expect(echo().maxConcurrent).toBeGreaterThanOrEqual(2);
    expect(echo().maxConcurrent).toBeLessThanOrEqual(3);
  });

  it("sends Flink's descriptor", async () => {
    const { runner, echo } = await echoRunner();
    await collect(runner.run(input().slice(0, 1), { plan: identityPlan(), columns: ['x'] }));
    // a second run of the same transform reuses the descriptor, as one Flink operator does
    await collect(runner.run(input().slice(0, 1), { plan: identityPlan(), columns: ['x'] }));
    expect(echo().descriptors).toHaveLength(1);
    const d = echo().descriptors[0]!;
    expect(Object.keys(d.transforms).sort()).toEqual(['fn/read/input:0', 'fn/write/:0', 'transform']);
    expect(d.transforms.transform!.spec!.urn).toBe('flink:transform:scalar_function:v1');
    expect(d.transforms.transform!.inputs).toEqual({ input: 'input' });
    expect(d.transforms.transform!.outputs).toEqual({ '': '' });
    expect(Object.keys(d.pcollections).sort()).toEqual(['', 'input']);
    expect(d.pcollections.input!.coderId).toBe('input_coder-length_prefix0');
    expect(d.pcollections['']!.coderId).toBe('output_coder');
    expect(Object.keys(d.coders).sort()).toEqual(
      [
        'byte_array0',
        'fn/wire/:0',
        'fn/wire/:0-length_prefix0',
        'fn/wire/input:0',
        'fn/wire/input:0-length_prefix0',
        'input_coder',
        'input_coder-length_prefix0',
        'length_prefix_byte_array0',
        'output_coder',
        'output_coder-length_prefix0',
        'window_coder',
      ].sort(),
    );
    expect([...d.coders['fn/wire/input:0-length_prefix0']!.spec!.payload]).toEqual([
      0x7f, 0xdf, 0x3b, 0x64, 0x5a, 0x1c, 0xac, 0x09, 0, 0, 0, 1, 0x0f, 0,
    ]);
    expect(d.stateApiServiceDescriptor?.url).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('takes the layout of an earlier run only for the same plan over the same input fields', async () => {
    const { runner, echo } = await echoRunner();
    const one = (name: string) =>
      genBatches({ rows: 300, batchRows: 100, seed: 3, columns: [{ name, type: T.DOUBLE() }] });
    const plan = identityPlan();
    const names = async (b: RecordBatch[]) => b[0]!.schema.fields.map((f) => f.name);
    expect(await names(await collect(runner.run(one('x'), { plan })))).toEqual(['x', 'result']);
    // the same plan object over other fields: their own output schema
    expect(await names(await collect(runner.run(one('z'), { plan })))).toEqual(['z', 'result']);
    // the plan changed in place: its new output name, not the layout of the first runs
    plan.calls[0] = { ...plan.calls[0]!, name: 'out' } as (typeof plan.calls)[0];
    const renamed = await collect(runner.run(one('x'), { plan }));
    expect(await names(renamed)).toEqual(['x', 'out']);
    expect(columnValues(renamed, 'out')).toEqual(columnValues(renamed, 'x'));
    // one descriptor per layout (input fields and output names are in its coders), none again
    await collect(runner.run(one('x'), { plan }));
    expect(echo().descriptors).toHaveLength(3);
  });

  it('runs row-wise mode with the row coder', async () => {
    const { runner } = await echoRunner({ chunkBytes: 777 });
    const batches = input();
    const run = runner.run(batches, {
      plan: identityPlan('identityRow'),
      columns: ['x'],
      bundleSize: 30_000,
    });
    const out = await collect(run);
    expect(run.metrics.mode).toBe('row');
    expect(columnValues(out, 'result')).toEqual(columnValues(batches, 'x'));
  });

  it("fails with the worker's message naming the bundle's rows, after yielding the bundles before it", async () => {
    const { runner } = await echoRunner({
      failWith: (n) => (n === 2 ? "UDF 'identity' failed on rows 0–9999: boom" : undefined),
    });
    const got: RecordBatch[] = [];
    const run = runner.run(input(), {
      plan: identityPlan(),
      columns: ['x'],
      arrowBatchSize: 10_000,
      bundleSize: 20_000,
    });
    const err = await (async () => {
      try {
        for await (const b of run) got.push(b);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(BundleError);
    expect(err!.message).toMatch(/input rows 40000–59999.*UDF 'identity' failed on rows 0–9999: boom/);
    expect(got.reduce((n, b) => n + b.numRows, 0)).toBe(40_000);
  });

  it('fails a bundle whose Arrow result has the wrong number of rows', async () => {
    const half = (el: Uint8Array) => {
      const batch = tableFromIPC(el).batches[0]!;
      const bytes = RecordBatchStreamWriter.writeAll([batch.slice(0, batch.numRows / 2)]).toUint8Array(true);
      return bytes.subarray(0, bytes.length - 8); // no end-of-stream marker, as Flink frames it
    };
    const { runner } = await echoRunner({ respond: (el, n) => (n === 1 ? half(el) : el) });
    const run = runner.run(input(), {
      plan: identityPlan(),
      columns: ['x'],
      arrowBatchSize: 10_000,
      bundleSize: 10_000,
    });
    await expect(collect(run)).rejects.toThrow(
      /result column 'result' of batch 0 \(input rows 10000–19999\) has 5000 rows, expected 10000/,
    );
  });

  it('fails a row-wise bundle whose worker drops rows', async () => {
    let k = 0;
    const { runner } = await echoRunner({ respond: (el, n) => (n === 1 && k++ % 2 === 0 ? [] : el) });
    const run = runner.run(input(), {
      plan: identityPlan('identityRow'),
      columns: ['x'],
      bundleSize: 10_000,
    });
    await expect(collect(run)).rejects.toThrow(/missing 1 of the expected result batches/);
  });

  it('stops pulling input while the bundles in flight are full (bounded memory)', async () => {
    const { runner } = await echoRunner({ delayMs: () => 20 });
    let pulled = 0;
    let consumed = 0;
    let maxAhead = 0;
    const source = (function* () {
      for (const b of genBatches({
        rows: 200_000,
        batchRows: 5_000,
        seed: 3,
        columns: [{ name: 'x', type: T.DOUBLE() }],
      })) {
        pulled += b.numRows;
        maxAhead = Math.max(maxAhead, pulled - consumed);
        yield b;
      }
    })();
    const run = runner.run(source, {
      plan: identityPlan(),
      arrowBatchSize: 5_000,
      bundleSize: 10_000,
      maxBundlesInFlight: 2,
    });
    for await (const b of run) {
      consumed += b.numRows;
      await new Promise((r) => setTimeout(r, 5)); // a slow consumer
    }
    expect(consumed).toBe(200_000);
    // in flight: 2 bundles of 10k rows, plus one batch read ahead
    expect(maxAhead).toBeLessThanOrEqual(2 * 10_000 + 5_000);
  });

  it('closes bundles after bundleTimeMs on a slow source', async () => {
    const { runner } = await echoRunner();
    const times: number[] = [];
    const t0 = performance.now();
    const source = (async function* () {
      for (const b of genBatches({
        rows: 600,
        batchRows: 100,
        seed: 4,
        columns: [{ name: 'x', type: T.DOUBLE() }],
      })) {
        await new Promise((r) => setTimeout(r, 40));
        yield b;
      }
    })();
    const run = runner.run(source, { plan: identityPlan(), bundleTimeMs: 60, bundleSize: 1_000_000 });
    for await (const _ of run) times.push(performance.now() - t0);
    expect(run.metrics.bundles).toBeGreaterThanOrEqual(3);
    // results came while the source was still producing (it takes ≥ 240 ms)
    expect(times[0]!).toBeLessThan(220);
  });

  it('reports a worker that goes away mid-bundle, without hanging', async () => {
    let echo: EchoWorker | undefined;
    const { runner, echo: get } = await echoRunner({
      delayMs: (n) => {
        if (n === 1) setTimeout(() => echo?.close(), 10);
        return n === 1 ? 200 : 0;
      },
    });
    echo = get();
    const run = runner.run(input(), { plan: identityPlan(), columns: ['x'], bundleSize: 20_000 });
    await expect(collect(run)).rejects.toThrow(/worker .* closed its (control|data) stream/);
  });
});
