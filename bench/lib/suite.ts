/**
 * What a benchmark suite is and what it gets to work with. A suite measures one computation (or a
 * few) in every mode on the same generated data and records one {@link Measurement} per mode,
 * batch size and thread count; `vecudf bench` runs the suites, shows progress and writes the
 * results. Cases that run in the same group are measured side by side (bench/lib/ratios.ts:
 * alternating rounds, medians), so that a noisy neighbour shifts every mode alike.
 *
 * @example
 * export const mySuite: Suite = {
 *   name: 'numeric', level: 'function', title: 'Numeric', description: '…',
 *   steps: (o) => o.batchSizes.length,
 *   async run(ctx) { await measureGroup(ctx, { … }); },
 * };
 */
import type * as arrow from 'apache-arrow';
import { makeGetter } from '../../src/series/accessors.js';
import type { DataType } from '../../src/types/data-types.js';
import type { ProfileSummary } from './cpu-profile.js';
import { runGroups } from './ratios.js';
import type { Level, Measurement, Skipped, StageTimes } from './results.js';

export interface SuiteOptions {
  /** Smaller data and shorter timing: the whole run in under 2 minutes on 2 cores. */
  quick: boolean;
  /** Rows of the function-level data. */
  rows: number;
  /** Whether `rows` was asked for (else a suite may use its own default). */
  rowsGiven: boolean;
  /** Rows sent through the worker per end-to-end run. */
  e2eRows: number;
  /** Rows per batch to measure at (the function level and end to end). */
  batchSizes: number[];
  /** Worker thread counts to measure end to end. */
  threads: number[];
  /** Rows of the once-per-row lookup case (it is slow by nature: bounded). */
  perRowLookupRows: number;
  /** Python interpreter for the pandas peer. */
  python: string;
  /** tinybench time per case per round, ms. */
  timeMs: number;
  /** tinybench warm-up per case, first round, ms (at least one call). */
  warmupMs: number;
  /** Least timed calls per case per round (tinybench runs until both this and `timeMs` are reached). */
  iterations: number;
  /** Alternating rounds per group. */
  rounds: number;
  /** A warm-up run whose results are dropped: skip what only explains (profiles). */
  warmUp?: boolean;
}

export interface SuiteContext extends SuiteOptions {
  record(m: Measurement): void;
  skip(s: Skipped): void;
  note(text: string): void;
  profile(p: ProfileSummary): void;
  /** One planned step is done (`label` says what runs next). */
  step(label?: string): void;
  /** What is running now (for the progress display). */
  status(label: string): void;
}

export interface Suite {
  readonly name: string;
  readonly level: Level;
  readonly title: string;
  /** One or two sentences for the report: what is computed, how each mode does it. */
  readonly description: string;
  /** Steps `run` will report, for the progress bar. */
  steps(o: SuiteOptions): number;
  run(ctx: SuiteContext): Promise<void>;
}

/** One mode of a group: a function that processes all `rows` once. */
export interface ModeCase {
  mode: string;
  fn: () => unknown;
  /** Bytes moved by one call (for MB/s). */
  bytes?: number;
  /** Rows one call processes, when not the group's (a bounded subset). */
  rows?: number;
  /** Batch size to record, when not the group's (peers: the whole column). */
  batchSize?: number;
  note?: string;
  /** Filled after the group ran (end to end: the median run's stage times). */
  stages?: () => StageTimes | undefined;
}

export interface GroupSpec {
  suite: string;
  level: Level;
  case: string;
  batchSize: number;
  threads?: number;
  rows: number;
  /** The first is the baseline of the ratios printed by runGroups (not stored). */
  cases: ModeCase[];
}

/** Measures the modes of a group side by side and records one measurement per mode. */
export async function measureGroup(ctx: SuiteContext, g: GroupSpec): Promise<Measurement[]> {
  ctx.status(`${g.suite}: ${g.case} @ ${g.batchSize.toLocaleString('en')} rows/batch`);
  const [base, ...rest] = g.cases;
  if (!base) return [];
  const t0 = performance.now();
  const results = await runGroups(
    [
      {
        title: `${g.suite}/${g.case}/${g.batchSize}/${g.threads ?? 0}`,
        baseline: { name: base.mode, fn: base.fn },
        cases: rest.map((c) => ({ name: c.mode, fn: c.fn })),
        rows: g.rows,
      },
    ],
    {
      rounds: ctx.rounds,
      time: ctx.timeMs,
      warmupTime: ctx.warmupMs,
      iterations: ctx.iterations,
      warmupIterations: 1,
      print: false,
    },
  );
  if (process.env.VECUDF_BENCH_DEBUG) {
    process.stderr.write(
      `[bench] ${g.suite}/${g.case}@${g.batchSize}/${g.threads ?? 0}: ${(performance.now() - t0).toFixed(0)} ms\n`,
    );
  }
  const out: Measurement[] = [];
  for (const c of g.cases) {
    const r = results.find((x) => x.name === c.mode)!;
    const rows = c.rows ?? g.rows;
    const m: Measurement = {
      suite: g.suite,
      level: g.level,
      case: g.case,
      mode: c.mode,
      batchSize: c.batchSize ?? g.batchSize,
      threads: g.threads ?? 0,
      rows,
      ms: r.ms,
      rowsPerSec: (rows / r.ms) * 1000,
      samples: ctx.rounds,
    };
    if (c.bytes !== undefined) m.mbPerSec = c.bytes / 1e6 / (r.ms / 1000);
    const st = c.stages?.();
    if (st) m.stages = st;
    if (c.note) m.note = c.note;
    ctx.record(m);
    out.push(m);
  }
  return out;
}

/** Times `fn` once per round for `rounds` rounds (after one warm-up call); the median, ms. */
export async function medianMs(fn: () => unknown, rounds: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1]!;
}

/**
 * Throws unless two result columns hold the same values (numbers equal within `relTol` relative):
 * every mode must compute the same thing before its speed means anything.
 */
export function assertSameColumn(
  what: string,
  a: arrow.Vector,
  b: arrow.Vector,
  type: DataType,
  relTol = 0,
): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} rows vs ${b.length}`);
  const ga = makeGetter(a.data[0]!, type);
  const gb = makeGetter(b.data[0]!, type);
  for (let i = 0; i < a.length; i++) {
    const x = ga(i);
    const y = gb(i);
    if (Object.is(x, y)) continue;
    if (typeof x === 'number' && typeof y === 'number' && Math.abs(x - y) <= relTol * Math.abs(y)) continue;
    throw new Error(`${what}: results differ at row ${i}: ${String(x)} vs ${String(y)}`);
  }
}
