/**
 * The whole CDN job in one process, from the pieces of this folder: generated logs →
 * `ipToProvince` (vectorized, or its row-wise twin, through the in-process executors) →
 * per-province aggregation → upserts into a sink. The `vecudf demo` runs the same job through the
 * runner, gRPC and the worker pool; this is the reference it can be checked against, and a quick
 * way to try a sink.
 *
 * @example
 * const sink = await openSink('out/cdn.duckdb', { table: 'cdn_access_statistic' });
 * const result = await runCdnJobInProcess({ rows: 1_000_000, mode: 'vectorized', sink });
 * await sink.close();
 * result.stats; // per province, by access count
 */
import * as arrow from 'apache-arrow';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import type { Sink } from '../../src/sink/sink.js';
import { CdnAggregator, type ProvinceStatistic } from './aggregate.js';
import { type CdnLogOptions, cdnLogStream } from './generate.js';
import { ipToProvince, ipToProvinceRow } from './ip-to-province.js';

export interface CdnJobOptions extends CdnLogOptions {
  /** `vectorized` (default) or `row`. */
  mode?: 'vectorized' | 'row';
  /** Where the statistic goes, upserted by province after every batch. */
  sink?: Sink;
  /** Called after each batch with the rows done so far. */
  onProgress?: (rowsDone: number) => void;
}

export interface CdnJobResult {
  rows: number;
  stats: ProvinceStatistic[];
  /** Wall time of the whole job, and the part spent in the UDF's executor. */
  totalMs: number;
  udfMs: number;
}

export async function runCdnJobInProcess(opts: CdnJobOptions): Promise<CdnJobResult> {
  const mode = opts.mode ?? 'vectorized';
  const plan = compilePlan({
    calls: [
      { udf: mode === 'row' ? ipToProvinceRow : ipToProvince, args: [{ column: 0 }], name: 'province' },
    ],
  });
  const agg = new CdnAggregator();
  const t0 = performance.now();
  let udfMs = 0;
  let rows = 0;
  for await (const batch of cdnLogStream(opts)) {
    // The UDF's input row is just client_ip; the other columns are "forwarded" past it.
    const input = new arrow.Table({ client_ip: batch.getChild('client_ip')! }).batches[0]!;
    const t = performance.now();
    const out = mode === 'row' ? await runRowWise(plan, input) : await runVectorized(plan, input);
    udfMs += performance.now() - t;
    agg.updateColumns(
      out.getChildAt(0) as arrow.Vector<arrow.Utf8>,
      batch.getChild('uuid'),
      batch.getChild('response_size')!,
      batch.getChild('request_time')!,
    );
    if (opts.sink?.upsert) await opts.sink.upsert(agg.takeChanges(), ['province']);
    rows += batch.numRows;
    opts.onProgress?.(rows);
  }
  if (opts.sink && !opts.sink.upsert) await opts.sink.write(agg.toRecordBatch());
  return { rows, stats: agg.rows(), totalMs: performance.now() - t0, udfMs };
}
