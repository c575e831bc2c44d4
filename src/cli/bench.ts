/**
 * `vecudf bench`: runs the benchmark suites (bench/ in the repository, dist/bench/ when built) —
 * vectorized vs row-wise at function level and end to end, against the limits and the peers — with
 * a progress display, prints the goals, and writes the results: `--json <file>`, and for a full
 * run (or with `--docs <dir>`) docs/benchmarks.md, docs/benchmarks/results.json and the charts.
 *
 * @example
 * $ vecudf bench --quick --json /tmp/out.json
 * $ vecudf bench --suite numeric,string --rows 100000 --docs /tmp/report
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';

interface BenchCliOptions {
  quick?: boolean;
  suite?: string[];
  json?: string;
  docs?: string | false;
  rows?: number;
  e2eRows?: number;
  batchSizes?: number[];
  threads?: number[];
  python?: string;
  perRowRows?: number;
  list?: boolean;
  from?: string;
  progress?: boolean;
}

function positiveInt(v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got '${v}'`);
  return n;
}

function intList(v: string, prev: number[] = []): number[] {
  return [...prev, ...v.split(',').map((x) => positiveInt(x.trim()))];
}

function nameList(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ];
}

/** A progress sink: a bar on a terminal, one line per finished suite otherwise. */
async function progressSink(enabled: boolean) {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const tty = enabled && process.stderr.isTTY;
  const bar = new SingleBar(
    {
      format: 'bench [{bar}] {value}/{total} steps | {duration_formatted} | {suite}: {status}',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let current = '';
  const t0 = performance.now();
  return {
    start(total: number) {
      if (tty) bar.start(total, 0, { suite: '', status: 'starting' });
    },
    step(suite: string) {
      if (tty) bar.increment(1, { suite });
    },
    status(suite: string, text: string) {
      if (tty) bar.update({ suite, status: text.slice(suite.length + 2) || text });
      else if (enabled && suite !== current) {
        current = suite;
        process.stderr.write(`bench: ${suite} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
    },
    stop() {
      if (tty) bar.stop();
    },
  };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      'run the benchmark suites: vectorized vs row-wise, end to end, limits and peers; write the report',
    )
    .option('--quick', 'smaller data and shorter timing (under 2 minutes on 2 cores)')
    .option(
      '--suite <names>',
      'suites to run, comma-separated or repeated (default: all; see --list)',
      nameList,
    )
    .option('--json <file>', 'write the results (JSON) to this file')
    .option(
      '--docs <dir>',
      'write benchmarks.md, benchmarks/results.json and the charts under this directory (default for a full run: docs)',
    )
    .option('--no-docs', 'do not write the report')
    .option(
      '--rows <n>',
      'rows of the function-level data (default 1,000,000, quick 200,000; the cheap numeric suite 1,000,000 either way)',
      positiveInt,
    )
    .option(
      '--e2e-rows <n>',
      'rows per end-to-end run (default: --rows, else 1,000,000; quick 100,000)',
      positiveInt,
    )
    .option('--batch-sizes <list>', 'rows per batch to measure at (default 1000,10000,100000)', intList)
    .option('--threads <list>', 'worker threads end to end (default 1,2)', intList)
    .option(
      '--per-row-rows <n>',
      'rows of the once-per-row lookup case (default 3,000; quick 1,000)',
      positiveInt,
    )
    .option(
      '--python <path>',
      'Python with pandas for the pandas peer (default: $VECUDF_BENCH_PYTHON, else python3)',
    )
    .option('--no-progress', 'no progress display')
    .option('--list', 'list the suites and exit')
    .option(
      '--from <file>',
      'do not run: write the report (--docs, default docs) from a results file of an earlier run',
    )
    .action(async (o: BenchCliOptions) => {
      // The suites are loaded only for this command: the worker and other commands stay light.
      const { runBench, suiteNames } = await import('../../bench/run.js');
      const { writeReport } = await import('../../bench/lib/report.js');
      const { evaluateGoals } = await import('../../bench/lib/goals.js');
      if (o.list) {
        process.stdout.write(`${suiteNames().join('\n')}\n`);
        return;
      }
      if (o.from) {
        const written = writeReport(JSON.parse(readFileSync(o.from, 'utf8')), o.docs || 'docs');
        process.stdout.write(`report: ${written[written.length - 1]}\n`);
        return;
      }
      const unknown = (o.suite ?? []).filter((n) => !suiteNames().includes(n));
      if (unknown.length > 0) {
        process.stderr.write(
          `error: unknown suite(s): ${unknown.join(', ')} (suites: ${suiteNames().join(', ')})\n`,
        );
        process.exitCode = 2;
        return;
      }
      const progress = await progressSink(o.progress !== false);
      const results = await runBench(
        {
          quick: o.quick ?? false,
          ...(o.suite ? { suites: o.suite } : {}),
          ...(o.rows ? { rows: o.rows } : {}),
          ...(o.e2eRows ? { e2eRows: o.e2eRows } : {}),
          ...(o.batchSizes ? { batchSizes: o.batchSizes } : {}),
          ...(o.threads ? { threads: o.threads } : {}),
          ...(o.python ? { python: o.python } : {}),
          ...(o.perRowRows ? { perRowLookupRows: o.perRowRows } : {}),
        },
        progress,
      );
      if (o.json) writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
      // A partial run (--suite) writes the report only where told, so it never replaces a full one.
      const docs = o.docs === false ? undefined : (o.docs ?? (o.suite ? undefined : 'docs'));
      const written = docs ? writeReport(results, docs) : [];
      const out = process.stdout;
      out.write(
        `vecudf bench: ${results.measurements.length} measurements, ${results.skipped.length} skipped, ${(results.durationMs / 1000).toFixed(0)} s\n`,
      );
      for (const g of evaluateGoals(results)) {
        if (g.status === 'not measured') continue;
        out.write(`  ${g.status === 'met' ? 'met   ' : 'MISSED'} ${g.title} (${g.target}): ${g.measured}\n`);
      }
      for (const s of results.skipped)
        out.write(`  skipped ${s.suite}${s.case ? `/${s.case}` : ''}/${s.mode}: ${s.reason}\n`);
      if (o.json) out.write(`results: ${o.json}\n`);
      if (written.length) out.write(`report: ${written[written.length - 1]}\n`);
      // gRPC channels and child processes are closed; the danfo/tfjs import may keep handles open
      process.exit(results.skipped.some((s) => s.mode === 'all') ? 1 : 0);
    });
}
