/**
 * `vecudf run`: runs one UDF over an input, through the full path (runner → gRPC → worker
 * process) or, with `--in-process`, with the executors directly. The input is a CSV or Arrow IPC
 * file, or stdin (`--input -`), read as a stream: batches are cut at `--batch-size` rows or after
 * `--batch-time-ms`, so lines piped in slowly come out with bounded latency. The output holds the
 * input columns plus the result column `result` (for an aggregate: the group keys plus `result`),
 * written to `--output` (Arrow file/stream or CSV by extension, `-` for stdout) and/or `--sink`.
 *
 * @example
 * vecudf run --udf examples/udfs.ts#plus --input data.arrow --columns a,b --output out.arrow --stats stats.json
 * cat logs.csv | vecudf run --udf cdn.ts#ipToProvince --columns client_ip --input - --format csv --output -
 */
import { writeFileSync } from 'node:fs';
import type { RecordBatch } from 'apache-arrow';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Plan } from '../exec/plan.js';
import { type LogEntry, LogEntry_Severity_Enum } from '../proto/fn-api.js';
import { resolveColumns } from '../runner/chunks.js';
import { groupByKey } from '../runner/group-input.js';
import { runInProcess } from '../runner/in-process.js';
import type { RunMetrics } from '../runner/metrics.js';
import { type Run, Runner, type RunnerOptions } from '../runner/runner.js';
import type { CsvLineError } from '../source/errors.js';
import { openSource, type SourceFormat } from '../source/open-source.js';
import { parseDataType } from '../types/parse.js';
import { loadUdf, parseUdfRef } from '../udf/load.js';
import { UDF_KINDS, type UdfKind } from '../udf/types.js';
import { peek } from '../util/iterate.js';
import {
  type AccessCliOptions,
  accessFromCli,
  addTlsOptions,
  addUdfRootOption,
  udfRootsFromCli,
} from './access-options.js';
import { closeAll, openRunSinks, writeAll } from './run-sinks.js';

/** Skipped lines shown one by one on stderr before only counting them. */
const SHOWN_SKIPS = 20;

interface RunCliOptions extends AccessCliOptions {
  udf: string;
  input: string;
  format?: SourceFormat;
  schema?: string;
  header: boolean;
  delimiter?: string;
  nullString?: string;
  onError: 'skip' | 'fail';
  batchTimeMs: number;
  columns?: string;
  output?: string;
  outputFormat?: 'csv' | 'arrow';
  sink?: string;
  key?: string;
  kind?: UdfKind;
  resultType?: string;
  groupBy?: string;
  batchSize: number;
  bundleSize?: number;
  threads?: number;
  retries?: number;
  inProcess?: boolean;
  stats?: string;
  verbose?: boolean;
  workerPool?: string;
  startTimeoutMs?: number;
  bind?: string;
  advertiseHost?: string;
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim());
  if (items.some((s) => s.length === 0)) throw new Error(`empty column name in '${v}'`);
  return items;
}

/**
 * Runner options from the CLI's: the worker's environment (a child process, or a worker pool's
 * with --worker-pool), threads, retries, UDF roots, the servers' address and TLS / token, and the
 * worker's output with --verbose.
 */
function runnerOptions(o: RunCliOptions): RunnerOptions {
  const showOutput = (line: string) => process.stderr.write(`[worker] ${line}\n`);
  const timeout = o.startTimeoutMs === undefined ? {} : { startTimeoutMs: o.startTimeoutMs };
  const environment = o.workerPool
    ? { type: 'external' as const, address: o.workerPool, ...timeout }
    : { type: 'process' as const, ...timeout, ...(o.verbose ? { onOutput: showOutput } : {}) };
  return {
    environment,
    ...(o.threads ? { threads: o.threads } : {}),
    ...(o.retries ? { retries: o.retries } : {}),
    // a pool's workers load UDFs from the pool's own --udf-root: these are for a child worker
    ...(o.workerPool ? {} : { udfRoots: udfRootsFromCli(o) }),
    ...(o.bind ? { host: o.bind } : {}),
    ...(o.advertiseHost ? { advertiseHost: o.advertiseHost } : {}),
    access: accessFromCli(o),
    ...(o.verbose
      ? {
          onLog: (id: string, e: LogEntry) =>
            process.stderr.write(
              `[worker ${id}] ${LogEntry_Severity_Enum[e.severity] ?? e.severity} ${e.message}\n`,
            ),
        }
      : {}),
  };
}

/** The stats file: at least rows, batches, elapsedMs, udfMs, mode; the input's rows read and lines skipped. */
function statsJson(
  m: RunMetrics,
  path: 'grpc' | 'in-process',
  threads: number | undefined,
  input: { format: SourceFormat; rowsRead: number; badLines: number },
) {
  const { worker, ...rest } = m;
  return {
    ...rest,
    path,
    input: { format: input.format, rowsRead: input.rowsRead, skippedLines: input.badLines },
    ...(threads === undefined ? {} : { threads }),
    rowsPerSecond: m.elapsedMs > 0 ? Math.round((m.rows / m.elapsedMs) * 1000) : null,
    worker: worker.map((w) => ({ urn: w.urn, labels: w.labels, value: w.value, count: w.count })),
  };
}

async function runCommand(o: RunCliOptions): Promise<void> {
  const ref = parseUdfRef(o.udf);
  if (o.resultType !== undefined) parseDataType(o.resultType); // fail early on a bad type
  const groupBy = list(o.groupBy);
  const udfRef = {
    ...ref,
    ...(o.kind ? { kind: o.kind } : {}),
    ...(o.resultType ? { resultType: o.resultType } : {}),
  };
  const aggregate = (await loadUdf(udfRef, { baseDir: process.cwd() })).kind === 'aggregate';
  if (groupBy && !aggregate) throw new Error('--group-by is for aggregate UDFs');
  let shown = 0;
  const onBadLine = (e: CsvLineError) => {
    if (o.onError === 'fail') throw e;
    if (shown++ < SHOWN_SKIPS) process.stderr.write(`skipped ${e.message}\n`);
  };
  const source = await openSource(o.input, {
    ...(o.format ? { format: o.format } : {}),
    ...(o.schema !== undefined ? { schema: o.schema } : {}),
    header: o.header,
    ...(o.delimiter !== undefined ? { delimiter: o.delimiter } : {}),
    ...(o.nullString !== undefined ? { nullString: o.nullString } : {}),
    batchSize: o.batchSize,
    // a row waits at most half the bound in the CSV reader and half in the runner's batch cutter
    batchTimeMs: o.batchTimeMs / 2,
    onBadLine,
  });
  const sinks = await openRunSinks({
    ...(o.output !== undefined ? { output: o.output } : {}),
    ...(o.outputFormat ? { outputFormat: o.outputFormat } : {}),
    ...(o.sink !== undefined ? { sink: o.sink } : {}),
    ...(o.key !== undefined ? { key: list(o.key)! } : {}),
  });
  // The worker starts while the first input arrives (a pipe may take its time).
  const starting = o.inProcess ? undefined : Runner.start(runnerOptions(o));
  starting?.catch(() => {});
  let runner: Runner | undefined;
  let run: Run | undefined;
  try {
    // The UDF's argument count (default: every column) is known with the first batch.
    const { first, rest } = await peek(source.batches);
    runner = await starting;
    if (!first) return; // nothing to run; reported below
    const columns = list(o.columns) ?? first.schema.fields.map((f) => f.name);
    resolveColumns(first.schema, columns, '--columns');
    let batches: AsyncIterable<RecordBatch> | RecordBatch[] = rest;
    if (aggregate) {
      // an aggregate takes one group at a time: the whole input is read and grouped first
      const keys = resolveColumns(first.schema, groupBy ?? [], '--group-by');
      const all: RecordBatch[] = [];
      for await (const b of rest) all.push(b);
      batches = groupByKey(all, keys);
    }
    const plan: Plan = { calls: [{ udf: udfRef, args: columns.map((_, i) => ({ column: i })) }] };
    const spec = {
      plan,
      columns,
      arrowBatchSize: o.batchSize,
      bundleTimeMs: o.batchTimeMs / 2,
      ...(o.bundleSize ? { bundleSize: o.bundleSize } : {}),
      ...(aggregate ? { groupBy: groupBy ?? [] } : {}),
    };
    run = runner ? runner.run(batches, spec) : runInProcess(batches, spec);
    for await (const out of run) await writeAll(sinks, out);
  } finally {
    await closeAll(sinks);
    await (runner ?? (await starting?.catch(() => undefined)))?.close();
  }
  const input = source.stats();
  if (!run) {
    process.stderr.write(
      `0 rows: ${o.input === '-' ? 'stdin' : o.input} held no input rows` +
        (input.badLines > 0 ? ` (skipped ${input.badLines} malformed lines)` : '') +
        '\n',
    );
    return;
  }
  if (o.stats) {
    writeFileSync(
      o.stats,
      `${JSON.stringify(statsJson(run.metrics, o.inProcess ? 'in-process' : 'grpc', o.threads, input), null, 2)}\n`,
    );
  }
  const m = run.metrics;
  const targets = [o.output === '-' ? 'stdout' : o.output, o.sink].filter((t) => t !== undefined).join(', ');
  const skipped =
    input.badLines > 0
      ? `; skipped ${input.badLines} malformed line${input.badLines === 1 ? '' : 's'}` +
        (input.badLines > SHOWN_SKIPS ? ` (the first ${SHOWN_SKIPS} shown)` : '')
      : '';
  process.stderr.write(
    `${m.rows} rows in ${m.batches} batches (${m.mode}, ${o.inProcess ? 'in process' : 'through the worker'}): ` +
      `${m.elapsedMs.toFixed(1)} ms, UDF ${m.udfMs.toFixed(1)} ms → ${targets}${skipped}\n`,
  );
}

/** Registers `vecudf run`. */
export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run a UDF over a CSV or Arrow input (a file or stdin, streamed): output = input columns + result',
    )
    .requiredOption('--udf <file#export>', 'the UDF: a module path and the name of its export')
    .requiredOption(
      '--input <file|->',
      'CSV (.csv, .tsv) or Arrow IPC (.arrow file, .arrows stream) file, or - for stdin',
    )
    .addOption(
      new Option(
        '--format <format>',
        'input format (default: by extension, else by the first bytes)',
      ).choices(['csv', 'arrow']),
    )
    .option(
      '--schema <columns>',
      "CSV columns in Flink SQL, e.g. 'uuid STRING, request_time BIGINT, event_ts TIMESTAMP(3)' (default: names from the header, types inferred from the first 1000 rows)",
    )
    .option('--no-header', 'CSV: the first line is data, not a header (needs --schema)')
    .option('--delimiter <c>', 'CSV field delimiter (default , and tab for .tsv)')
    .option(
      '--null-string <text>',
      'CSV: an unquoted field with this text is null (the empty field always is)',
    )
    .addOption(
      new Option('--on-error <policy>', 'a malformed CSV line fails the run, or is skipped and reported')
        .choices(['skip', 'fail'])
        .default('fail'),
    )
    .option(
      '--batch-time-ms <ms>',
      'longest time a row waits for its batch and bundle to fill (a slow input still gets results)',
      positiveInt('--batch-time-ms'),
      200,
    )
    .option('--columns <a,b>', 'UDF argument columns, in order (default: every column)')
    .option('--output <file|->', 'where to write: .arrow (file), .arrows (stream), .csv, .tsv; - for stdout')
    .addOption(
      new Option(
        '--output-format <format>',
        'format of --output (default: by extension; - writes CSV)',
      ).choices(['csv', 'arrow']),
    )
    .option(
      '--sink <target>',
      'also write to a sink: file.csv, file.arrow, file.duckdb, duckdb:…?table=t, mysql://…?table=t',
    )
    .option('--key <k1,k2>', '--sink takes upserts by these columns instead of appends')
    .addOption(
      new Option('--kind <kind>', 'kind of a plain exported function').choices(
        UDF_KINDS.filter((k) => k !== 'map_batches'),
      ),
    )
    .option(
      '--result-type <type>',
      'result type of a plain function, in Flink SQL (e.g. DOUBLE, DECIMAL(10, 2))',
    )
    .option('--group-by <k1,k2>', 'aggregates: group key columns (default: one group of every row)')
    .option('--batch-size <n>', 'rows per Arrow batch', positiveInt('--batch-size'), 10_000)
    .option('--bundle-size <n>', 'rows per bundle (default 100000)', positiveInt('--bundle-size'))
    .option('--threads <n>', 'UDF threads of the worker', positiveInt('--threads'))
    .option(
      '--retries <n>',
      'send a bundle whose worker died to a new worker up to n times (default 0)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--retries must be an integer ≥ 0');
        return n;
      },
    )
    .option(
      '--worker-pool <host:port>',
      'have a running `vecudf worker-pool` start the worker (Beam EXTERNAL environment) instead of a child process',
    )
    .option(
      '--bind <address>',
      "address the runner's servers listen on (default 127.0.0.1; anything else needs TLS and a token)",
    )
    .option('--advertise-host <host>', 'host name the worker connects to (default: the --bind address)')
    .option(
      '--start-timeout-ms <ms>',
      'how long to wait for the worker (and for the pool to answer) before failing (default 30000)',
      positiveInt('--start-timeout-ms'),
    )
    .option('--in-process', 'run the UDF in this process, without gRPC and the worker')
    .option(
      '--stats <file.json>',
      'write run statistics (rows, batches, elapsedMs, udfMs, mode, stage times) as JSON',
    )
    .option('--verbose', "show the worker's output and full error messages");
  addUdfRootOption(cmd, 'the worker may load UDF modules from');
  addTlsOptions(cmd, 'runner').action(async (o: RunCliOptions) => {
    try {
      await runCommand(o);
    } catch (e) {
      const err = e as Error;
      // the reader of stdout went away (`| head`): the run stops there, as a Unix filter does
      if (o.output === '-' && (e as NodeJS.ErrnoException)?.code === 'EPIPE') {
        process.stdin.destroy();
        return;
      }
      const message = String(err?.message ?? err);
      const [first, ...more] = message.split('\n');
      process.stderr.write(`error: ${first}\n`);
      if (o.verbose && more.length > 0) process.stderr.write(`${more.join('\n')}\n`);
      process.exitCode = 1;
      // a failed run reads no more: an open pipe on stdin must not keep the process alive
      if (o.input === '-') process.stdin.destroy();
    }
  });
}
