/**
 * `vecudf run`: runs one UDF over an Arrow file, through the full path (runner → gRPC → worker
 * process) or, with `--in-process`, with the executors directly. The output holds the input
 * columns plus the result column `result` (for an aggregate: the group keys plus `result`).
 *
 * @example
 * vecudf run --udf examples/udfs.ts#plus --input data.arrow --columns a,b --output out.arrow --stats stats.json
 * vecudf run --udf fns.mjs#double --kind vectorized --result-type DOUBLE --input data.arrows --columns x --output out.arrow --in-process
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { RecordBatch } from 'apache-arrow';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { decodeIpc } from '../codec/ipc-reader.js';
import type { Plan } from '../exec/plan.js';
import { type LogEntry, LogEntry_Severity_Enum } from '../proto/fn-api.js';
import { resolveColumns } from '../runner/chunks.js';
import { groupByKey } from '../runner/group-input.js';
import { runInProcess } from '../runner/in-process.js';
import type { RunMetrics } from '../runner/metrics.js';
import { type Run, Runner } from '../runner/runner.js';
import { ArrowFileSink } from '../sink/arrow-file.js';
import { parseDataType } from '../types/parse.js';
import { loadUdf, parseUdfRef } from '../udf/load.js';
import { UDF_KINDS, type UdfKind } from '../udf/types.js';

interface RunCliOptions {
  udf: string;
  input: string;
  columns?: string;
  output: string;
  kind?: UdfKind;
  resultType?: string;
  groupBy?: string;
  batchSize: number;
  bundleSize?: number;
  threads?: number;
  inProcess?: boolean;
  stats?: string;
  verbose?: boolean;
  udfRoot?: string[];
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

/** The stats file: at least rows, batches, elapsedMs, udfMs, mode. */
function statsJson(m: RunMetrics, path: 'grpc' | 'in-process', threads: number | undefined) {
  const { worker, ...rest } = m;
  return {
    ...rest,
    path,
    ...(threads === undefined ? {} : { threads }),
    rowsPerSecond: m.elapsedMs > 0 ? Math.round((m.rows / m.elapsedMs) * 1000) : null,
    worker: worker.map((w) => ({ urn: w.urn, labels: w.labels, value: w.value, count: w.count })),
  };
}

async function runCommand(o: RunCliOptions): Promise<void> {
  const ref = parseUdfRef(o.udf);
  if (o.resultType !== undefined) parseDataType(o.resultType); // fail early on a bad type
  const bytes = readFileSync(o.input);
  const decoded = decodeIpc(bytes);
  let batches: RecordBatch[] = decoded.batches;
  const columns = list(o.columns) ?? decoded.schema.fields.map((f) => f.name);
  resolveColumns(decoded.schema, columns, '--columns');
  const groupBy = list(o.groupBy);
  const udfRef = {
    ...ref,
    ...(o.kind ? { kind: o.kind } : {}),
    ...(o.resultType ? { resultType: o.resultType } : {}),
  };
  const aggregate = (await loadUdf(udfRef, { baseDir: process.cwd() })).kind === 'aggregate';
  if (groupBy && !aggregate) throw new Error('--group-by is for aggregate UDFs');
  if (aggregate) {
    const keys = resolveColumns(decoded.schema, groupBy ?? [], '--group-by');
    batches = groupByKey(batches, keys); // an aggregate takes one group at a time
  }
  const plan: Plan = {
    calls: [
      {
        udf: udfRef,
        args: columns.map((_, i) => ({ column: i })),
      },
    ],
  };
  const spec = {
    plan,
    columns,
    arrowBatchSize: o.batchSize,
    ...(o.bundleSize ? { bundleSize: o.bundleSize } : {}),
    ...(aggregate ? { groupBy: groupBy ?? [] } : {}),
  };
  const sink = await ArrowFileSink.open(o.output, {
    format: o.output.endsWith('.arrows') ? 'stream' : 'file',
  });
  let runner: Runner | undefined;
  let run: Run;
  try {
    if (o.inProcess) {
      run = runInProcess(batches, spec);
    } else {
      runner = await Runner.start({
        ...(o.threads ? { threads: o.threads } : {}),
        ...(o.udfRoot ? { udfRoots: o.udfRoot } : {}),
        ...(o.verbose
          ? {
              environment: {
                type: 'process' as const,
                onOutput: (line: string) => process.stderr.write(`[worker] ${line}\n`),
              },
              onLog: (id: string, e: LogEntry) =>
                process.stderr.write(
                  `[worker ${id}] ${LogEntry_Severity_Enum[e.severity] ?? e.severity} ${e.message}\n`,
                ),
            }
          : {}),
      });
      run = runner.run(batches, spec);
    }
    for await (const out of run) await sink.write(out);
  } finally {
    await sink.close();
    await runner?.close();
  }
  if (o.stats) {
    writeFileSync(
      o.stats,
      `${JSON.stringify(statsJson(run.metrics, o.inProcess ? 'in-process' : 'grpc', o.threads), null, 2)}\n`,
    );
  }
  const m = run.metrics;
  process.stderr.write(
    `${m.rows} rows in ${m.batches} batches (${m.mode}, ${o.inProcess ? 'in process' : 'through the worker'}): ` +
      `${m.elapsedMs.toFixed(1)} ms, UDF ${m.udfMs.toFixed(1)} ms → ${o.output}\n`,
  );
}

/** Registers `vecudf run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a UDF over an Arrow file: output = input columns + result')
    .requiredOption('--udf <file#export>', 'the UDF: a module path and the name of its export')
    .requiredOption('--input <file>', 'Arrow IPC file (.arrow) or stream (.arrows)')
    .option('--columns <a,b>', 'UDF argument columns, in order (default: every column)')
    .requiredOption('--output <file>', 'Arrow file to write (.arrows: the stream format)')
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
      '--udf-root <dir>',
      'directory the worker may load UDF modules from (repeatable; default: the working directory)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--in-process', 'run the UDF in this process, without gRPC and the worker')
    .option(
      '--stats <file.json>',
      'write run statistics (rows, batches, elapsedMs, udfMs, mode, stage times) as JSON',
    )
    .option('--verbose', "show the worker's output and full error messages")
    .action(async (o: RunCliOptions) => {
      try {
        await runCommand(o);
      } catch (e) {
        const err = e as Error;
        const message = String(err?.message ?? err);
        const [first, ...more] = message.split('\n');
        process.stderr.write(`error: ${first}\n`);
        if (o.verbose && more.length > 0) process.stderr.write(`${more.join('\n')}\n`);
        process.exitCode = 1;
      }
    });
}
