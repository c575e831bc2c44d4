/**
 * The CDN job's UDF, vectorized vs row-wise, side by side in one run:
 * `npx tsx bench/cdn.bench.ts [--rows N] [--per-row-rows N]`.
 *
 * 1. ipToProvince on 1M generated log rows in 10k-row batches, in process:
 *    - function level: the column kernel vs the row function over already-decoded JS strings;
 *    - executor level: runVectorized(ipToProvince) vs runRowWise(ipToProvinceRow) (the row path
 *      reads each string from the Arrow buffers and builds the result column, as it must).
 * 2. The lookup-service variant against a local HTTP service on 127.0.0.1: one request per batch
 *    with the batch's distinct addresses (all 1M rows) vs one request per row (run on a bounded
 *    subset, sequential as the row executor does it, and 16 in flight; reported as rows/s).
 */
import * as arrow from 'apache-arrow';
import { Bench } from 'tinybench';
import { cdnLogBatches } from '../examples/cdn/generate.js';
import { ipToProvinceColumn } from '../examples/cdn/ip-kernel.js';
import {
  ipToProvince,
  ipToProvinceRow,
  lookupUdfs,
  provinceOf,
  provinceViaService,
} from '../examples/cdn/ip-to-province.js';
import { lookupProvinceColumn } from '../examples/cdn/lookup-kernel.js';
import { startLookupService } from '../examples/cdn/lookup-service.js';
import { compilePlan } from '../src/exec/plan.js';
import { runRowWise } from '../src/exec/row-wise.js';
import { runVectorized } from '../src/exec/vectorized.js';
import { pairedRatio } from './lib/ratios.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const ROWS = arg('--rows', 1_000_000);
const PER_ROW_ROWS = arg('--per-row-rows', 3_000);
const BATCH = 10_000;

const batches = [...cdnLogBatches({ rows: ROWS, seed: 42, batchSize: BATCH })];
const ipColumns = batches.map((b) => b.getChild('client_ip')! as arrow.Vector<arrow.Utf8>);
// Input of the pure row function: the strings decoded once, outside the timing.
const ipStrings = ipColumns.map((c) => c.toArray() as unknown as (string | null)[]);
// The executors take the UDF input row: here just the address column.
const inputs = ipColumns.map((c) => new arrow.Table({ client_ip: c }).batches[0]!);
const vecPlan = compilePlan({ calls: [{ udf: ipToProvince, args: [{ column: 0 }] }] });
const rowPlan = compilePlan({ calls: [{ udf: ipToProvinceRow, args: [{ column: 0 }] }] });

let sink = 0;
const kernelTask = () => {
  for (const c of ipColumns) sink += ipToProvinceColumn(c).length;
};
const rowFnTask = () => {
  for (const strings of ipStrings) {
    const out = new Array<string>(strings.length);
    for (let i = 0; i < strings.length; i++) out[i] = provinceOf(strings[i]!);
    sink += out.length;
  }
};
const vecExecTask = async () => {
  for (const b of inputs) sink += (await runVectorized(vecPlan, b)).numRows;
};
const rowExecTask = async () => {
  for (const b of inputs) sink += (await runRowWise(rowPlan, b)).numRows;
};
const bench = new Bench({ time: 2000, warmup: true });
bench
  .add('kernel: ipToProvinceColumn', kernelTask)
  .add('row fn over JS strings', rowFnTask)
  .add('runVectorized(ipToProvince)', vecExecTask)
  .add('runRowWise(ipToProvinceRow)', rowExecTask);
await bench.run();

const mean = (name: string) => {
  const t = bench.tasks.find((x) => x.name === name)!;
  return (t.result as { latency: { mean: number } }).latency.mean;
};
const perM = (ms: number) => (ms * 1_000_000) / ROWS;
const rowsPerSec = (ms: number, rows: number) => Math.round((rows / ms) * 1000);
console.log(
  `\nipToProvince over ${ROWS.toLocaleString()} rows in ${BATCH.toLocaleString()}-row batches (mean of tinybench runs)`,
);
console.table(
  bench.tasks.map((t) => {
    const ms = mean(t.name);
    return {
      task: t.name,
      'ms per 1M rows': perM(ms).toFixed(1),
      'rows/s': rowsPerSec(ms, ROWS).toLocaleString(),
    };
  }),
);
const fnRatio = await pairedRatio(kernelTask, rowFnTask);
const execRatio = await pairedRatio(vecExecTask, rowExecTask);
console.log(
  `ratio, function level (row fn / kernel): ${(mean('row fn over JS strings') / mean('kernel: ipToProvinceColumn')).toFixed(1)}x of the means, ${fnRatio.toFixed(1)}x paired median`,
);
console.log(
  `ratio, executor level (runRowWise / runVectorized): ${(mean('runRowWise(ipToProvinceRow)') / mean('runVectorized(ipToProvince)')).toFixed(1)}x of the means, ${execRatio.toFixed(1)}x paired median`,
);

// 2. Lookup service: batched vs per row.
const service = await startLookupService();
try {
  const { ipToProvinceLookupRow } = lookupUdfs(service.url);
  // Warm up both paths (JIT, keep-alive connections).
  await lookupProvinceColumn(ipColumns[0]!, service.url);
  for (let i = 0; i < 200; i++) await provinceViaService(service.url, '1.2.3.4');

  let t0 = performance.now();
  const requestsBefore = service.stats.requests;
  for (const c of ipColumns) sink += (await lookupProvinceColumn(c, service.url)).length;
  const batchedMs = performance.now() - t0;
  const batchedRequests = service.stats.requests - requestsBefore;
  const batchedRate = rowsPerSec(batchedMs, ROWS);

  const subset = inputs[0]!.slice(0, PER_ROW_ROWS);
  const perRowPlan = compilePlan({ calls: [{ udf: ipToProvinceLookupRow, args: [{ column: 0 }] }] });
  t0 = performance.now();
  sink += (await runRowWise(perRowPlan, subset)).numRows;
  const seqMs = performance.now() - t0;
  const seqRate = rowsPerSec(seqMs, subset.numRows);

  // The same per-row requests, 16 in flight (more generous than the row executor, which awaits in order).
  const strings = ipStrings[0]!.slice(0, PER_ROW_ROWS);
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < strings.length) {
        const i = next++;
        await provinceViaService(service.url, strings[i]!);
      }
    }),
  );
  const concMs = performance.now() - t0;
  const concRate = rowsPerSec(concMs, strings.length);

  console.log(`\nipToProvince via the lookup service on 127.0.0.1`);
  console.table([
    {
      variant: 'once per batch (distinct addresses)',
      rows: ROWS.toLocaleString(),
      requests: batchedRequests,
      ms: batchedMs.toFixed(0),
      'rows/s': batchedRate.toLocaleString(),
    },
    {
      variant: 'once per row, in order (runRowWise)',
      rows: subset.numRows.toLocaleString(),
      requests: 'one per valid row',
      ms: seqMs.toFixed(0),
      'rows/s': seqRate.toLocaleString(),
    },
    {
      variant: 'once per row, 16 in flight',
      rows: strings.length.toLocaleString(),
      requests: 'one per valid row',
      ms: concMs.toFixed(0),
      'rows/s': concRate.toLocaleString(),
    },
  ]);
  console.log(`ratio, batched / per row in order: ${(batchedRate / seqRate).toFixed(0)}x`);
  console.log(`ratio, batched / per row 16 in flight: ${(batchedRate / concRate).toFixed(0)}x`);
} finally {
  await service.stop();
}
if (sink < 0) console.log(sink);
