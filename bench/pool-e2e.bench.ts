/**
 * The worker's thread pool end to end (`npx tsx bench/pool-e2e.bench.ts [--rounds N]`): the runner
 * sends Arrow batches over gRPC on 127.0.0.1 to `vecudf worker` processes started with 0 (main
 * thread), 1 and 2 executor threads, side by side: every round runs each UDF once through each
 * worker, in rotating order, and the figure is the median over rounds, so load from neighbours
 * hits every configuration alike.
 *
 * UDFs (bench/udfs.ts, the same as the e2e suite): haversine over four DOUBLE columns (CPU-heavy)
 * and plus over two (cheap), 10,000-row batches. Goals (issue 5): haversine on 2 threads ≥ 1.7×
 * as fast as on 1 thread; plus with the pool no slower than without (threads 0).
 *
 * Besides elapsed time, each run's CPU time is read for both processes (the runner: this process,
 * `process.cpuUsage`; the worker: /proc/<pid>/stat), because on a 2-core machine the runner's
 * own encoding and gRPC compete with the worker's threads for the same cores.
 *
 * Reusable: `runPoolE2e(options)` returns the figures; run as a script, it prints them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type * as arrow from 'apache-arrow';
import { Runner, type RunSpec } from '../src/runner/runner.js';
import { type Dataset, geoData, numericData, toBatches } from './lib/data.js';

/** The UDF module as the worker loads it: this build's (dist/bench/udfs.js) or the source (tsx). */
const UDFS = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './udfs.ts' : './udfs.js', import.meta.url),
);

export interface PoolE2eOptions {
  /** Worker thread counts to compare (default 0, 1, 2). */
  threads?: number[];
  /** Rows per run of haversine (default 400,000) and of plus (default 1,000,000). */
  rows?: { haversine?: number; plus?: number };
  /** Rows per batch (default 10,000). */
  batchSize?: number;
  /** Rounds (default 9): each round runs every UDF once on every worker. */
  rounds?: number;
  /** Extra arguments of every `vecudf worker` (e.g. `--cpu-prof`). */
  workerNodeArgs?: string[];
}

export interface PoolE2eFigure {
  udf: 'haversine' | 'plus';
  threads: number;
  /** Median over rounds. */
  elapsedMs: number;
  rowsPerSec: number;
  /** CPU ms of the runner process and of the worker process per run (mean over rounds). */
  runnerCpuMs: number;
  workerCpuMs: number;
  /** Of which the worker's main thread. */
  workerMainCpuMs: number;
  /** The worker's time inside the UDF (its udf_ns monitoring info), median run. */
  udfMs: number;
}

const CLK_TCK = 100;

/** CPU ms (user + system) in a /proc stat file; 0 where there is none. */
function statCpuMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * CPU ms of a process so far: all of it, and its main thread alone (gRPC, framing, the pool's
 * books — or the UDFs too with 0 threads); the rest is the pool's threads and V8's helpers (GC).
 */
function processCpuMs(pid: number | undefined): { all: number; main: number } {
  if (pid === undefined) return { all: 0, main: 0 };
  let all = 0;
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // no /proc
  }
  for (const tid of tids) all += statCpuMs(`/proc/${pid}/task/${tid}/stat`);
  return { all, main: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
}

async function drain(run: AsyncIterable<arrow.RecordBatch>): Promise<void> {
  for await (const _ of run) {
    // the consumer does nothing: what is measured is the path
  }
}

interface Sample {
  elapsedMs: number;
  runnerCpuMs: number;
  workerCpuMs: number;
  workerMainCpuMs: number;
  udfMs: number;
}

export async function runPoolE2e(o: PoolE2eOptions = {}): Promise<{
  figures: PoolE2eFigure[];
  load: { start: number[]; end: number[] };
}> {
  const threads = o.threads ?? [0, 1, 2];
  const bs = o.batchSize ?? 10_000;
  const rounds = o.rounds ?? 9;
  const loadStart = loadavg();
  const cases: { udf: 'haversine' | 'plus'; ds: Dataset; columns: string[] }[] = [
    {
      udf: 'haversine',
      ds: geoData(o.rows?.haversine ?? 400_000, 2),
      columns: ['lat1', 'lon1', 'lat2', 'lon2'],
    },
    { udf: 'plus', ds: numericData(o.rows?.plus ?? 1_000_000, 1), columns: ['a', 'b'] },
  ];
  const inputs = cases.map((c) => toBatches(c.ds, c.columns, bs));
  const spec = (c: (typeof cases)[number]): RunSpec => ({
    plan: {
      calls: [{ udf: { module: UDFS, export: c.udf }, args: c.columns.map((_, i) => ({ column: i })) }],
    },
    arrowBatchSize: bs,
  });
  const runners: Runner[] = [];
  try {
    for (const t of threads) {
      const [exe, ...rest] = (await import('../src/runner/process-worker.js')).defaultCliCommand();
      runners.push(
        await Runner.start({
          threads: t,
          ...(o.workerNodeArgs
            ? { environment: { type: 'process', command: [exe!, ...o.workerNodeArgs, ...rest] } }
            : {}),
        }),
      );
    }
    const samples = new Map<string, Sample[]>();
    const once = async (ci: number, ri: number): Promise<Sample> => {
      const runner = runners[ri]!;
      const pid = runner.worker.pid;
      const c0 = process.cpuUsage();
      const w0 = processCpuMs(pid);
      const run = runner.run(inputs[ci]!, spec(cases[ci]!));
      await drain(run);
      const c1 = process.cpuUsage(c0);
      const w1 = processCpuMs(pid);
      if (run.metrics.outputRows !== cases[ci]!.ds.rows) {
        throw new Error(`${cases[ci]!.udf}: ${run.metrics.outputRows} rows out of ${cases[ci]!.ds.rows}`);
      }
      return {
        elapsedMs: run.metrics.elapsedMs,
        runnerCpuMs: (c1.user + c1.system) / 1000,
        workerCpuMs: w1.all - w0.all,
        workerMainCpuMs: w1.main - w0.main,
        udfMs: run.metrics.udfMs,
      };
    };
    // Warm-up: every worker loads both plans and its threads get hot.
    for (let k = 0; k < 3; k++)
      for (let ci = 0; ci < cases.length; ci++)
        for (let ri = 0; ri < runners.length; ri++) await once(ci, ri);
    for (let r = 0; r < rounds; r++) {
      for (let ci = 0; ci < cases.length; ci++) {
        for (let k = 0; k < runners.length; k++) {
          const ri = (k + r) % runners.length; // rotate who goes first
          const key = `${ci}/${ri}`;
          let list = samples.get(key);
          if (!list) samples.set(key, (list = []));
          list.push(await once(ci, ri));
        }
      }
    }
    const figures: PoolE2eFigure[] = [];
    cases.forEach((c, ci) => {
      threads.forEach((t, ri) => {
        const xs = [...samples.get(`${ci}/${ri}`)!].sort((a, b) => a.elapsedMs - b.elapsedMs);
        const m = xs[xs.length >> 1]!;
        // CPU times are read in 10 ms ticks: the mean over the rounds, not one run's.
        const mean = (k: keyof Sample) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
        figures.push({
          udf: c.udf,
          threads: t,
          elapsedMs: m.elapsedMs,
          rowsPerSec: (c.ds.rows * 1000) / m.elapsedMs,
          runnerCpuMs: mean('runnerCpuMs'),
          workerCpuMs: mean('workerCpuMs'),
          workerMainCpuMs: mean('workerMainCpuMs'),
          udfMs: m.udfMs,
        });
      });
    });
    return { figures, load: { start: loadStart, end: loadavg() } };
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a ? a.slice(name.length + 3) : undefined;
  };
  const rounds = arg('rounds');
  const threads = arg('threads');
  const { figures, load } = await runPoolE2e({
    ...(rounds ? { rounds: Number(rounds) } : {}),
    ...(threads ? { threads: threads.split(',').map(Number) } : {}),
  });
  const fmt = (x: number) => x.toFixed(2);
  console.log(
    `load average at start ${load.start.map(fmt).join(' / ')}, at end ${load.end.map(fmt).join(' / ')}`,
  );
  console.table(
    figures.map((f) => ({
      udf: f.udf,
      threads: f.threads,
      'elapsed ms': fmt(f.elapsedMs),
      'M rows/s': fmt(f.rowsPerSec / 1e6),
      'runner CPU ms': fmt(f.runnerCpuMs),
      'worker CPU ms': fmt(f.workerCpuMs),
      'of which main thread': fmt(f.workerMainCpuMs),
      'UDF ms': fmt(f.udfMs),
    })),
  );
  const of = (udf: string, t: number) => figures.find((f) => f.udf === udf && f.threads === t)?.elapsedMs;
  for (const udf of ['haversine', 'plus']) {
    const t0 = of(udf, 0);
    const t1 = of(udf, 1);
    const t2 = of(udf, 2);
    if (t1 && t2) console.log(`${udf}: 2 threads vs 1 thread = ${fmt(t1 / t2)}×`);
    if (t0 && t1) console.log(`${udf}: 1 thread vs main thread = ${fmt(t0 / t1)}×`);
    if (t0 && t2) console.log(`${udf}: 2 threads vs main thread = ${fmt(t0 / t2)}×`);
  }
}
