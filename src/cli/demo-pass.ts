/**
 * One pass of the CDN demo job through the real path: log batches → runner (batches, bundles)
 * → gRPC → `vecudf worker` process → `ipToProvince` (or a twin) → results back in order →
 * per-province aggregation → upserts of the changed provinces into the DuckDB table every
 * `flushMs` (250 ms; Flink's JDBC sink flushes every `sink.buffer-flush.interval`, 1 s) and at
 * the end. Upserts run behind the results, one at a time, instead of holding them up.
 *
 * The pass is timed from its first batch to its last upsert: what a user of the job waits for.
 *
 * @example
 * const runner = await Runner.start();
 * const pass = await runDemoPass(runner, batches, {
 *   udfExport: 'ipToProvince', batchSize: 10_000, bundleSize: 100_000, db: 'cdn.duckdb',
 * });
 * pass.stats; // per province, by access count
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordBatch } from 'apache-arrow';
import { CdnAggregator, type ProvinceStatistic } from '../../examples/cdn/aggregate.js';
import type { Plan } from '../exec/plan.js';
import type { RunMetrics } from '../runner/metrics.js';
import type { Runner } from '../runner/runner.js';
import { DuckDbSink } from '../sink/duckdb.js';

/** The sink table of the job. */
export const STATISTIC_TABLE = 'cdn_access_statistic';

/**
 * The CDN example's UDF module as the worker should load it: the compiled one next to this
 * compiled file (dist/examples/cdn/ip-to-province.js), or the TypeScript source when this runs
 * from source (tests through tsx).
 */
export function cdnUdfModule(): string {
  for (const ext of ['.js', '.ts']) {
    const path = fileURLToPath(new URL(`../../examples/cdn/ip-to-province${ext}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`examples/cdn/ip-to-province.(js|ts) not found from ${fileURLToPath(import.meta.url)}`);
}

/** The plan of the job: `province = <udf>(client_ip)`, the only UDF input column. */
export function cdnPlan(udfExport: string): Plan {
  return {
    calls: [{ udf: { module: cdnUdfModule(), export: udfExport }, args: [{ column: 0 }], name: 'province' }],
  };
}

export interface DemoPassOptions {
  /** The UDF's export in examples/cdn/ip-to-province: `ipToProvince`, `ipToProvinceRow`, … */
  udfExport: string;
  /** Rows per Arrow batch. */
  batchSize: number;
  /** Rows per bundle. */
  bundleSize: number;
  /** Upsert the changed provinces at most this often, in ms (default 250), and at the end. */
  flushMs?: number;
  /** DuckDB file to write (the table is replaced at the start of the pass), or undefined for none. */
  db?: string | undefined;
  /** Called after each result batch with the rows done so far. */
  onProgress?: (rowsDone: number) => void;
}

export interface DemoPassResult {
  /** Result rows aggregated (= rows read from the source when nothing is lost). */
  rows: number;
  stats: ProvinceStatistic[];
  /** Upsert statements sent to the database. */
  upserts: number;
  /** Wall time from the first batch to the last upsert, in ms. */
  wallMs: number;
  /** What the runner measured (stage times, UDF time in the worker). */
  metrics: RunMetrics;
}

/** Runs the job once over `batches` through `runner`; see the module comment. */
export async function runDemoPass(
  runner: Runner,
  batches: readonly RecordBatch[],
  opts: DemoPassOptions,
): Promise<DemoPassResult> {
  const sink = opts.db
    ? await DuckDbSink.open(opts.db, { table: STATISTIC_TABLE, keyColumns: ['province'], replace: true })
    : undefined;
  const agg = new CdnAggregator();
  const flushMs = opts.flushMs ?? 250;
  let upserts = 0;
  let pending = 0;
  let lastFlush = performance.now();
  // Write-behind: at most one upsert in flight, while results keep coming and being aggregated.
  let writing: Promise<void> | undefined;
  let writeError: unknown;
  const flush = () => {
    pending = 0;
    lastFlush = performance.now();
    const changes = agg.takeChanges();
    if (!sink) return;
    upserts++;
    writing = sink.upsert(changes, ['province']).then(
      () => {
        writing = undefined;
      },
      (e) => {
        writeError ??= e;
        writing = undefined;
      },
    );
  };
  const t0 = performance.now();
  const run = runner.run(batches, {
    plan: cdnPlan(opts.udfExport),
    columns: ['client_ip'],
    arrowBatchSize: opts.batchSize,
    bundleSize: opts.bundleSize,
  });
  try {
    // Each result batch holds every input column plus `province`, in input order.
    for await (const out of run) {
      if (writeError) throw writeError;
      agg.update(out);
      pending += out.numRows;
      opts.onProgress?.(agg.rowsRead);
      if (!writing && performance.now() - lastFlush >= flushMs) flush();
    }
    await writing;
    if (pending > 0 || upserts === 0) flush();
    await writing;
    if (writeError) throw writeError;
  } finally {
    await writing;
    await sink?.close();
  }
  return {
    rows: agg.rowsRead,
    stats: agg.rows(),
    upserts,
    wallMs: performance.now() - t0,
    metrics: run.metrics,
  };
}
