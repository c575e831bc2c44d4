/**
 * `vecudf demo` (what `npm start` runs): the CDN log analysis job end to end, through the real
 * path. It generates seeded CDN access logs, streams them through the runner → gRPC → a
 * `vecudf worker` process (Beam's PROCESS environment) in bundles, where `ipToProvince` maps each
 * client IP to its province; aggregates per province as results come back; upserts the
 * statistic into a DuckDB table; then runs the same job with the row-wise twin and prints both
 * times, the table, and checks that every row was counted and the database holds the table.
 *
 * @example
 * vecudf demo                                  # 1M rows, vectorized and row-wise
 * vecudf demo --rows 200000 --mode vectorized --db /tmp/cdn.duckdb
 * vecudf demo --lookup-service --rows 20000    # async UDF asking a local HTTP service per batch / per row
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ProvinceStatistic } from '../../examples/cdn/aggregate.js';
import { cdnLogStream } from '../../examples/cdn/generate.js';
import { LOOKUP_URL_ENV } from '../../examples/cdn/ip-to-province.js';
import { type LookupService, startLookupService } from '../../examples/cdn/lookup-service.js';
import { Runner, type RunnerOptions } from '../runner/runner.js';
import { type DemoPassResult, runDemoPass, STATISTIC_TABLE } from './demo-pass.js';
import { startProgress } from './demo-progress.js';
import {
  formatCount,
  formatRate,
  formatSeconds,
  formatStatisticTable,
  statisticDifference,
  totalAccessCount,
} from './demo-report.js';

export interface DemoOptions {
  rows: number;
  mode: 'vectorized' | 'row' | 'both';
  seed: number;
  threads?: number | undefined;
  batchSize: number;
  bundleSize: number;
  db: string;
  lookupService?: boolean | undefined;
  quiet?: boolean | undefined;
}

interface PassSpec {
  mode: 'vectorized' | 'row';
  label: string;
  udfExport: string;
}

/**
 * Rows each mode runs before the timed passes, so that neither pays alone for the JIT, the
 * worker's threads and first buffers. Fewer with the lookup service: the row-wise lookup pays
 * an HTTP request per row.
 */
const WARM_UP_ROWS = 50_000;
const WARM_UP_ROWS_LOOKUP = 2_000;

function passSpecs(o: DemoOptions): PassSpec[] {
  const vec: PassSpec = {
    mode: 'vectorized',
    label: 'vectorized',
    udfExport: o.lookupService ? 'ipToProvinceLookup' : 'ipToProvince',
  };
  const row: PassSpec = {
    mode: 'row',
    label: 'row-wise',
    udfExport: o.lookupService ? 'ipToProvinceLookupRow' : 'ipToProvinceRow',
  };
  // Vectorized first: the row-wise pass then runs on a warmer process, which can only favour it.
  return o.mode === 'both' ? [vec, row] : o.mode === 'row' ? [row] : [vec];
}

/** The first `rows` rows of the batches (all of them if there are fewer), sliced without copies. */
function leading(batches: readonly RecordBatch[], rows: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  let n = 0;
  for (const b of batches) {
    if (n >= rows) break;
    const take = Math.min(b.numRows, rows - n);
    out.push(take === b.numRows ? b : b.slice(0, take));
    n += take;
  }
  return out;
}

/** Reads the statistic table back from the DuckDB file, with a connection of its own. */
export async function readStatisticTable(path: string): Promise<ProvinceStatistic[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const conn = await instance.connect();
    try {
      const reader = await conn.runAndReadAll(
        `SELECT province, access_count, total_download, download_speed FROM ${STATISTIC_TABLE}
         ORDER BY access_count DESC, province`,
      );
      return reader.getRowObjectsJS().map((r) => ({
        province: r.province as string | null,
        access_count: r.access_count as bigint,
        total_download: r.total_download as bigint | null,
        download_speed: r.download_speed as number | null,
      }));
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Runs the demo; returns the exit code (0, or 1 when a check fails). */
export async function runDemo(o: DemoOptions): Promise<number> {
  const say = (line = '') => {
    if (!o.quiet) process.stdout.write(`${line}\n`);
  };
  const specs = passSpecs(o);
  say(
    `vecudf demo: CDN log analysis over ${formatCount(o.rows)} generated rows (seed ${o.seed}), ` +
      `runner → gRPC → vecudf worker process`,
  );
  say(
    `  batches of ${formatCount(o.batchSize)} rows, bundles of ${formatCount(o.bundleSize)} rows, ` +
      `worker threads: ${o.threads ?? 'default (one per core)'}, sink: ${o.db} (table ${STATISTIC_TABLE})`,
  );

  // The source: generated once, so that every pass reads the very same rows.
  let t = performance.now();
  const batches: RecordBatch[] = [];
  const genBar = startProgress('generating', o.rows, !o.quiet);
  let generated = 0;
  for await (const b of cdnLogStream({ rows: o.rows, seed: o.seed })) {
    batches.push(b);
    generated += b.numRows;
    genBar.update(generated);
  }
  genBar.stop();
  say(`generated ${formatCount(generated)} log rows in ${formatSeconds(performance.now() - t)}`);

  let service: LookupService | undefined;
  let runner: Runner | undefined;
  const results: { spec: PassSpec; result: DemoPassResult; requests: number }[] = [];
  try {
    const runnerOpts: RunnerOptions = o.threads === undefined ? {} : { threads: o.threads };
    if (o.lookupService) {
      service = await startLookupService();
      // The worker process finds the service through its environment.
      runnerOpts.environment = { type: 'process', env: { ...process.env, [LOOKUP_URL_ENV]: service.url } };
      say(`lookup service on ${service.url} (the UDFs ask it for the provinces)`);
      if (specs.some((s) => s.mode === 'row') && o.rows > 50_000) {
        say(
          `  note: the row-wise pass sends one HTTP request per row; over ${formatCount(o.rows)} rows ` +
            'that takes minutes (try --rows 20000)',
        );
      }
    }
    t = performance.now();
    runner = await Runner.start(runnerOpts);
    say(
      `worker ${runner.workerId} started in ${formatSeconds(performance.now() - t)} (pid ${runner.worker.pid})`,
    );

    const warm = leading(batches, o.lookupService ? WARM_UP_ROWS_LOOKUP : WARM_UP_ROWS);
    const warmRows = warm.reduce((n, b) => n + b.numRows, 0);
    if (warmRows > 0) {
      t = performance.now();
      for (const s of specs) {
        await runDemoPass(runner, warm, {
          udfExport: s.udfExport,
          batchSize: o.batchSize,
          bundleSize: o.bundleSize,
        });
      }
      say(
        `warm-up: ${formatCount(warmRows)} rows per mode in ${formatSeconds(performance.now() - t)} (not timed below)`,
      );
    }

    for (const s of specs) {
      const bar = startProgress(s.label, generated, !o.quiet);
      const before = service?.stats.requests ?? 0;
      const result = await runDemoPass(runner, batches, {
        udfExport: s.udfExport,
        batchSize: o.batchSize,
        bundleSize: o.bundleSize,
        db: o.db,
        onProgress: (n) => bar.update(n),
      });
      bar.stop();
      results.push({ spec: s, result, requests: (service?.stats.requests ?? 0) - before });
      say(
        `${s.label} pass: ${formatCount(result.rows)} rows in ${formatSeconds(result.wallMs)} ` +
          `(${formatRate(result.rows, result.wallMs)}), ${result.upserts} ${result.upserts === 1 ? 'upsert' : 'upserts'}`,
      );
    }
  } finally {
    await runner?.close();
    await service?.stop();
  }

  const main = results[0]!.result;
  say();
  process.stdout.write(`${STATISTIC_TABLE}, by access_count:\n${formatStatisticTable(main.stats)}\n\n`);

  let ok = true;
  const check = (line: string, pass: boolean) => {
    process.stdout.write(`${line}: ${pass ? 'ok' : 'FAILED'}\n`);
    ok &&= pass;
  };
  for (const { spec, result } of results) {
    const sum = totalAccessCount(result.stats);
    check(
      `row count check (${spec.label}): sum(access_count) = ${formatCount(sum)}, rows read = ${formatCount(generated)}`,
      sum === BigInt(generated) && result.rows === generated,
    );
  }
  for (const { spec, result } of results.slice(1)) {
    const diff = statisticDifference(main.stats, result.stats, [results[0]!.spec.label, spec.label]);
    check(`${spec.label} table = ${results[0]!.spec.label} table${diff ? ` (${diff})` : ''}`, !diff);
  }
  const stored = await readStatisticTable(o.db);
  const dbDiff = statisticDifference(main.stats, stored, ['the printed table', o.db]);
  check(
    `database check (${formatCount(stored.length)} rows in ${o.db}, table ${STATISTIC_TABLE})${dbDiff ? ` — ${dbDiff}` : ''}`,
    !dbDiff,
  );

  process.stdout.write(`\n${formatTimings(results)}\n`);
  return ok ? 0 : 1;
}

function formatTimings(results: { spec: PassSpec; result: DemoPassResult; requests: number }[]): string {
  const lookup = results.some((r) => r.requests > 0);
  const header = [
    'mode',
    'UDF',
    'rows',
    'time',
    'rows/s',
    'UDF time in worker',
    ...(lookup ? ['lookups'] : []),
  ];
  const rows = results.map(({ spec, result, requests }) => [
    spec.label,
    spec.udfExport,
    formatCount(result.rows),
    formatSeconds(result.wallMs),
    formatRate(result.rows, result.wallMs),
    formatSeconds(result.metrics.udfMs),
    ...(lookup ? [`${formatCount(requests)} requests`] : []),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = header.map((_, c) => c >= 2);
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (right[c] ? s.padStart(widths[c]!) : s.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  const vec = results.find((r) => r.spec.mode === 'vectorized')?.result;
  const row = results.find((r) => r.spec.mode === 'row')?.result;
  if (vec && row && vec.wallMs > 0) {
    const udf =
      vec.metrics.udfMs > 0
        ? ` (UDF step alone: ${(row.metrics.udfMs / vec.metrics.udfMs).toFixed(1)}×)`
        : '';
    out.push(`vectorized / row-wise: ${(row.wallMs / vec.wallMs).toFixed(2)}× faster end to end${udf}`);
  }
  return out.join('\n');
}

function positiveInt(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

interface DemoCliOptions {
  rows: number;
  mode: DemoOptions['mode'];
  seed: number;
  threads?: number;
  batchSize: number;
  bundleSize: number;
  db: string;
  lookupService?: boolean;
  quiet?: boolean;
}

/** Registers `vecudf demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'CDN log analysis end to end: generated logs → runner → gRPC → worker process (ipToProvince) → ' +
        'per-province statistic upserted into DuckDB; vectorized vs row-wise',
    )
    .option('--rows <n>', 'log rows to generate', positiveInt('--rows', 0), 1_000_000)
    .addOption(
      new Option('--mode <mode>', 'which UDF variant to run')
        .choices(['vectorized', 'row', 'both'])
        .default('both'),
    )
    .option('--seed <n>', 'seed of the generated logs', positiveInt('--seed', 0), 42)
    .option(
      '--threads <n>',
      'UDF threads of the worker (0 = its main thread; default: one per core)',
      positiveInt('--threads', 0),
    )
    .option('--batch-size <n>', 'rows per Arrow batch', positiveInt('--batch-size'), 10_000)
    .option('--bundle-size <n>', 'rows per bundle (and per upsert)', positiveInt('--bundle-size'), 100_000)
    .option('--db <path>', 'DuckDB file the statistic table is written to', './cdn_access_statistic.duckdb')
    .option(
      '--lookup-service',
      'use the async lookup UDFs against a local HTTP lookup service on 127.0.0.1 (once per batch vs once per row)',
    )
    .option('--quiet', 'print only the table, the checks and the timings (no progress bars)')
    .action(async (o: DemoCliOptions) => {
      try {
        process.exitCode = await runDemo(o);
      } catch (e) {
        const err = e as Error;
        process.stderr.write(`error: ${String(err?.message ?? err)}\n`);
        process.exitCode = 1;
      }
    });
}
