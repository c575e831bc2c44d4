/**
 * The soak: one `vecudf worker-pool` process on 127.0.0.1 and two Runners in this process, each
 * with its own worker from that pool (EXTERNAL environment), streaming CDN `client_ip` bundles
 * through `ipToProvince` (vectorized) and `ipToProvinceRow` (row-wise) without pause until the
 * duration is over. Every output row is checked (soak-data.ts); memory (RSS of this process, the
 * pool and each worker) and throughput are sampled every interval. Bounded: the sources stop at
 * the deadline, the drain has its own time limit, and everything started here is stopped here.
 *
 * @example
 * const r = await runSoak({ durationMs: 15_000 });
 * r.ok;                         // no loss, no wrong value, no error
 * r.memory.workers[0].endBytes; // RSS of the first runner's worker at the end
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { BundlingOptions } from '../src/runner/operator.js';
import { type Run, Runner } from '../src/runner/runner.js';
import { makePattern, OutputCheck, type Pattern, type SoakMode, soakSource, soakSpec } from './soak-data.js';
import { childPids, isAlive, rssBytes, startWorkerPool, workerIdOf } from './soak-proc.js';
import {
  memoryFigure,
  type RunnerFigures,
  type SoakError,
  type SoakResult,
  type SoakSample,
} from './soak-result.js';

export type { MemoryFigure, RunnerFigures, SoakError, SoakResult, SoakSample } from './soak-result.js';

export interface SoakOptions {
  /** Streaming time, warm-up included. */
  durationMs: number;
  /** The first part of the run, after which the start figures are taken (default 10%, 2–30 s). */
  warmupMs?: number;
  /** Sampling interval (default 10 s, at most a tenth of the duration, at least 0.5 s). */
  intervalMs?: number;
  /** One runner per entry (default: one vectorized, one row-wise). */
  modes?: SoakMode[];
  /** UDF threads of each worker (default 1: two workers on a 2-core machine). */
  threads?: number;
  seed?: number;
  /** Rows of the repeated input pattern (default 210,000) and of each input batch (default 7,000). */
  patternRows?: number;
  batchRows?: number;
  /** Rows per Arrow batch the runner cuts (default 10,000: input batches are re-cut). */
  arrowBatchSize?: number;
  bundling?: BundlingOptions;
  /** Longest wait for the runs to finish after the deadline (default 60 s). */
  drainTimeoutMs?: number;
  /**
   * Called before each sample (e.g. {@link exposeGc}'s full collection), so that memory figures
   * are live memory rather than whatever garbage the collector has not reached yet.
   */
  gc?: () => void;
  /** Called with each sample as it is taken. */
  onSample?: (s: SoakSample, r: Readonly<SoakProgress>) => void;
}

export interface SoakProgress {
  elapsedMs: number;
  rows: number;
  bundles: number;
  errors: number;
}

/** A full garbage collection on demand, without starting node with `--expose-gc`. */
export function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MAX_RESTARTS = 5;

/** Default warm-up: 10% of the run, at least 2 s, at most 30 s. */
export function defaultWarmupMs(durationMs: number): number {
  return Math.min(30_000, Math.max(2_000, Math.round(durationMs / 10)));
}

/** Default sampling interval: 10 s, but at least ten samples in a short run. */
export function defaultIntervalMs(durationMs: number): number {
  return Math.max(500, Math.min(10_000, Math.round(durationMs / 10)));
}

interface Driven {
  check: OutputCheck;
  runs: Run[];
  restarts: number;
}

/** Streams through one runner until `stopAt`; a failed run is recorded and resumed at its first unchecked batch. */
async function drive(
  runner: Runner,
  index: number,
  pattern: Pattern,
  spec: ReturnType<typeof soakSpec>,
  stop: () => boolean,
  errors: SoakError[],
  t0: number,
  d: Driven,
): Promise<void> {
  let resume = 0;
  for (;;) {
    d.check.resumeAt(resume);
    const run = runner.run(soakSource(pattern, resume, stop), spec);
    d.runs.push(run);
    const before = d.check.rows;
    try {
      for await (const out of run) d.check.batch(out);
      // A run that ends cleanly must have answered every row its source gave (the tail included).
      const missing = run.metrics.rows - (d.check.rows - before);
      if (missing !== 0) d.check.tailMismatch(missing);
      return;
    } catch (e) {
      errors.push({ tMs: Date.now() - t0, runner: index, message: (e as Error).message });
      if (stop() || d.restarts >= MAX_RESTARTS) return;
      d.restarts++;
      resume = Math.floor(d.check.next / pattern.batchRows) * pattern.batchRows;
      await sleep(500);
    }
  }
}

/** Runs the soak; throws only if it cannot start (pool, runners); everything after is reported. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const durationMs = opts.durationMs;
  if (!(durationMs > 0)) throw new RangeError('durationMs must be positive');
  const warmupMs = Math.min(opts.warmupMs ?? defaultWarmupMs(durationMs), durationMs / 2);
  const intervalMs = opts.intervalMs ?? defaultIntervalMs(durationMs);
  const modes = opts.modes ?? ['vectorized', 'row'];
  const threads = opts.threads ?? 1;
  const seed = opts.seed ?? 42;
  const batchRows = opts.batchRows ?? 7_000;
  const patternRows = opts.patternRows ?? 30 * batchRows;
  const arrowBatchSize = opts.arrowBatchSize ?? 10_000;
  const bundling = opts.bundling ?? {};
  const startedAt = new Date().toISOString();
  const loadStart = os.loadavg();

  const pattern = await makePattern({ rows: patternRows, batchRows, seed });
  const root = fileURLToPath(new URL('..', import.meta.url));
  const pool = await startWorkerPool({ threads, cwd: root });
  const runners: Runner[] = [];
  const errors: SoakError[] = [];
  const samples: SoakSample[] = [];
  const drives: Driven[] = modes.map(() => ({ check: new OutputCheck(pattern), runs: [], restarts: 0 }));
  let workerPids: (number | undefined)[] = [];
  let elapsedMs = 0;
  let poolExit = '';
  let orphans: number[] = [];
  const bundlesOf = (d: Driven) => d.runs.reduce((a, r) => a + r.metrics.bundles, 0);
  try {
    for (const _ of modes) {
      runners.push(await Runner.start({ environment: { type: 'external', address: pool.address }, threads }));
    }
    const byId = new Map(childPids(pool.pid).map((p) => [workerIdOf(p), p]));
    workerPids = runners.map((r) => byId.get(r.workerId));

    const t0 = Date.now();
    const stopAt = t0 + durationMs;
    const stop = () => Date.now() >= stopAt;
    let last = { t: 0, rows: 0 };
    const sample = (warm: boolean): void => {
      const tMs = Date.now() - t0;
      const rows = drives.map((d) => d.check.rows);
      const bundles = drives.map(bundlesOf);
      const all = rows.reduce((a, b) => a + b, 0);
      opts.gc?.();
      const mem = process.memoryUsage();
      const s: SoakSample = {
        tMs,
        warm,
        rows,
        bundles,
        rowsPerSec: tMs > last.t ? ((all - last.rows) * 1000) / (tMs - last.t) : 0,
        rssRunner: rssBytes(process.pid) ?? mem.rss,
        rssPool: rssBytes(pool.pid),
        rssWorkers: workerPids.map((p) => (p === undefined ? undefined : rssBytes(p))),
        heapRunner: mem.heapUsed,
        arrayBuffersRunner: mem.arrayBuffers,
      };
      last = { t: tMs, rows: all };
      samples.push(s);
      opts.onSample?.(s, {
        elapsedMs: tMs,
        rows: all,
        bundles: bundles.reduce((a, b) => a + b, 0),
        errors: errors.length,
      });
    };
    // Samples every interval; one at the end of the warm-up (the start figures) and one at the end.
    let warm = false;
    const warmTimer = setTimeout(() => {
      warm = true;
      sample(true);
    }, warmupMs);
    const timer = setInterval(() => {
      // skip the tick that falls right after the warm-up sample
      if (!stop() && Date.now() - t0 - last.t > intervalMs / 2) sample(warm);
    }, intervalMs);
    const running = Promise.all(
      modes.map((mode, i) =>
        drive(
          runners[i]!,
          i,
          pattern,
          soakSpec(mode, { arrowBatchSize, ...bundling }),
          stop,
          errors,
          t0,
          drives[i]!,
        ),
      ),
    );
    let drainTimer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      drainTimer = setTimeout(() => r('timeout'), durationMs + (opts.drainTimeoutMs ?? 60_000));
    });
    const outcome = await Promise.race([running, timedOut]);
    clearTimeout(drainTimer);
    clearTimeout(warmTimer);
    clearInterval(timer);
    if (outcome === 'timeout') {
      errors.push({
        tMs: Date.now() - t0,
        runner: -1,
        message: 'the runs did not finish within the drain time limit',
      });
    }
    sample(true); // the end figures, before anything is closed
    elapsedMs = Date.now() - t0;
  } finally {
    await Promise.allSettled(runners.map((r) => r.close()));
    poolExit = await pool.stop();
    await sleep(200);
    orphans = workerPids.filter((p): p is number => p !== undefined && isAlive(p));
  }

  const warmSamples = samples.filter((s) => s.warm);
  const first = warmSamples[0];
  const lastS = samples[samples.length - 1];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // Intervals wholly after the warm-up, except the last (it ends with the drain).
  const rates = warmSamples.slice(1, -1).map((s) => s.rowsPerSec);
  const mean = rates.length ? sum(rates) / rates.length : 0;
  const sd = rates.length ? Math.sqrt(sum(rates.map((r) => (r - mean) ** 2)) / rates.length) : 0;
  const runnerFigures: RunnerFigures[] = drives.map((d, i) => ({
    mode: modes[i]!,
    workerId: runners[i]?.workerId ?? '',
    rows: d.check.rows,
    bundles: bundlesOf(d),
    batches: d.check.batches,
    lost: d.check.lost,
    duplicated: d.check.duplicated,
    wrong: d.check.wrong,
    restarts: d.restarts,
  }));
  const rows = sum(runnerFigures.map((r) => r.rows));
  const measured = first && lastS && lastS.tMs > first.tMs ? lastS.tMs - first.tMs : 0;
  const result: SoakResult = {
    startedAt,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model.trim() ?? 'unknown',
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      kernel: `${os.type()} ${os.release()}`,
    },
    loadAvg: { start: loadStart, end: os.loadavg() },
    options: {
      durationMs,
      warmupMs,
      intervalMs,
      threads,
      modes,
      seed,
      patternRows,
      batchRows,
      arrowBatchSize,
      bundling,
    },
    elapsedMs,
    rows,
    bundles: sum(runnerFigures.map((r) => r.bundles)),
    runners: runnerFigures,
    rowsPerSec: measured ? ((sum(lastS!.rows) - sum(first!.rows)) * 1000) / measured : 0,
    intervalRowsPerSec: {
      min: rates.length ? Math.min(...rates) : 0,
      max: rates.length ? Math.max(...rates) : 0,
      cv: mean ? sd / mean : 0,
    },
    memory: {
      runner: memoryFigure('runner process (both runners)', process.pid, samples, (s) => s.rssRunner),
      pool: memoryFigure('worker-pool process', pool.pid, samples, (s) => s.rssPool),
      workers: workerPids.map((pid, i) =>
        memoryFigure(`worker of runner ${i + 1} (${modes[i]})`, pid, samples, (s) => s.rssWorkers[i]),
      ),
    },
    samples,
    errors,
    problems: drives.flatMap((d) => d.check.problems),
    poolExit,
    orphans,
    ok: false,
  };
  result.ok =
    errors.length === 0 &&
    orphans.length === 0 &&
    runnerFigures.every((r) => r.rows > 0 && r.lost === 0 && r.duplicated === 0 && r.wrong === 0);
  return result;
}
