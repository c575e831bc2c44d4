/**
 * Runs benchmark suites and collects their results — what `vecudf bench` calls. Options resolve
 * to sizes and timing budgets (`quick` for a run under 2 minutes on 2 cores); progress goes to an
 * optional sink (the CLI draws a bar with it).
 *
 * @example
 * const results = await runBench({ quick: true, suites: ['numeric'] });
 * console.log(results.measurements.length);
 */
import { loadavg } from 'node:os';
import type { ProfileSummary } from './lib/cpu-profile.js';
import { pandasAvailable } from './lib/pandas.js';
import { type BenchResults, type Measurement, machineInfo, type Skipped } from './lib/results.js';
import type { SuiteContext, SuiteOptions } from './lib/suite.js';
import { SUITES } from './suites/index.js';

export interface BenchOptions {
  quick?: boolean;
  /** Suite names (default: all). */
  suites?: string[];
  rows?: number;
  e2eRows?: number;
  batchSizes?: number[];
  threads?: number[];
  python?: string;
  perRowLookupRows?: number;
}

/** Receives progress: the total of steps once, then each step and status change. */
export interface ProgressSink {
  start(total: number): void;
  step(suite: string): void;
  status(suite: string, text: string): void;
  stop(): void;
}

/** The names of the suites, in run order. */
export function suiteNames(): string[] {
  return SUITES.map((s) => s.name);
}

/** Sizes and budgets for the options given. */
export function resolveOptions(o: BenchOptions): SuiteOptions {
  const quick = o.quick ?? false;
  return {
    quick,
    rows: o.rows ?? (quick ? 200_000 : 1_000_000),
    rowsGiven: o.rows !== undefined,
    // End to end, a run of 1M rows (10 bundles): in a run of 500k the pipeline's start and end (the
    // first bundle's round trip, the last one's response) weigh a third of a ~15 ms run, and the
    // goal is about throughput.
    e2eRows: o.e2eRows ?? o.rows ?? (quick ? 100_000 : 1_000_000),
    batchSizes: o.batchSizes ?? [1_000, 10_000, 100_000],
    threads: o.threads ?? [1, 2],
    perRowLookupRows: o.perRowLookupRows ?? (quick ? 1_000 : 3_000),
    python: o.python ?? process.env.VECUDF_BENCH_PYTHON ?? 'python3',
    // Many short rounds, medians: a burst of load from a neighbour spoils a round, not the figure.
    timeMs: quick ? 25 : 80,
    warmupMs: quick ? 30 : 100,
    iterations: 1,
    rounds: quick ? 5 : 9,
  };
}

/**
 * The first groups measured in a fresh process ran up to 2× slower than the same groups later
 * (the executors, Series and tinybench's own code still being tiered up by the JIT, the heap still
 * growing), more than tinybench's warm-up calls absorb. A small run of the numeric suite, whose
 * results are dropped, brings the process to its steady state first (about two seconds).
 */
async function warmUpProcess(opts: SuiteOptions, progress?: ProgressSink): Promise<void> {
  const numeric = SUITES.find((s) => s.name === 'numeric');
  if (!numeric) return;
  progress?.status('warm-up', 'warm-up: warming up the process (results dropped)');
  await numeric.run({
    ...opts,
    rows: 20_000,
    rowsGiven: true,
    batchSizes: [Math.min(...opts.batchSizes)],
    python: '',
    rounds: 1,
    warmUp: true,
    record: () => {},
    skip: () => {},
    note: () => {},
    profile: () => {},
    step: () => {},
    status: () => {},
  });
}

/** Runs the chosen suites one after the other; a failing suite is recorded as skipped with its error. */
export async function runBench(o: BenchOptions = {}, progress?: ProgressSink): Promise<BenchResults> {
  const opts = resolveOptions(o);
  const names = o.suites && o.suites.length > 0 ? o.suites : suiteNames();
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown suite(s): ${unknown.join(', ')} (suites: ${suiteNames().join(', ')})`);
  }
  const suites = SUITES.filter((s) => names.includes(s.name));
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const py = pandasAvailable(opts.python);
  machine.python = py.ok ? py.version : `unavailable: ${py.reason}`;
  const measurements: Measurement[] = [];
  const skipped: Skipped[] = [];
  const notes: string[] = [];
  const profiles: ProfileSummary[] = [];
  progress?.start(suites.reduce((n, s) => n + s.steps(opts), 0));
  try {
    if (suites.some((s) => s.level === 'function')) await warmUpProcess(opts, progress);
    for (const suite of suites) {
      const planned = suite.steps(opts);
      let done = 0;
      const ctx: SuiteContext = {
        ...opts,
        record: (m) => measurements.push(m),
        skip: (s) => skipped.push(s),
        note: (text) => notes.push(text),
        profile: (p) => profiles.push(p),
        step: () => {
          done++;
          progress?.step(suite.name);
        },
        status: (text) => progress?.status(suite.name, text),
      };
      try {
        await suite.run(ctx);
      } catch (e) {
        const err = e as Error;
        skipped.push({ suite: suite.name, mode: 'all', reason: `the suite failed: ${err.message}` });
        notes.push(`${suite.name}: failed: ${err.stack ?? err.message}`);
      }
      // keep the bar honest when a suite ends early
      for (; done < planned; done++) progress?.step(suite.name);
    }
  } finally {
    progress?.stop();
  }
  machine.loadAvgEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  return {
    version: 1,
    date: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    quick: opts.quick,
    options: {
      suites: suites.map((s) => s.name),
      rows: opts.rows,
      e2eRows: opts.e2eRows,
      batchSizes: opts.batchSizes,
      threads: opts.threads,
      perRowLookupRows: opts.perRowLookupRows,
      timeMsPerCase: opts.timeMs,
      leastCallsPerCase: opts.iterations,
      rounds: opts.rounds,
    },
    machine,
    suites: suites.map((s) => ({ name: s.name, level: s.level, title: s.title, description: s.description })),
    measurements,
    skipped,
    notes,
    profiles,
  };
}
