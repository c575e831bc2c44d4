/**
 * What a soak reports: the samples it takes, the figures per runner and per process, and the
 * whole result (written as soak.json); plus the two summaries computed from the samples (memory
 * at start / end / peak with its least-squares trend).
 *
 * @example
 * const m = memoryFigure('pool', pid, samples, (s) => s.rssPool);
 * m.endBytes! - m.startBytes!; // growth after the warm-up
 */
import type { BundlingOptions } from '../src/runner/operator.js';
import type { CheckProblem, SoakMode } from './soak-data.js';

/** One sample: totals since the start and memory at that moment. */
export interface SoakSample {
  /** Since streaming started. */
  tMs: number;
  warm: boolean;
  /** Checked output rows per runner, cumulative. */
  rows: number[];
  /** Bundles sent per runner, cumulative. */
  bundles: number[];
  /** Rows per second over the interval that ends here, all runners. */
  rowsPerSec: number;
  rssRunner: number | undefined;
  rssPool: number | undefined;
  rssWorkers: (number | undefined)[];
  /** V8 heap used by this (runner) process, and the memory of its ArrayBuffers (Arrow and gRPC buffers). */
  heapRunner: number;
  arrayBuffersRunner: number;
}

export interface MemoryFigure {
  label: string;
  pid: number | undefined;
  /** RSS after the warm-up, at the end (before anything is closed), and the largest seen. */
  startBytes: number | undefined;
  endBytes: number | undefined;
  maxBytes: number | undefined;
  /** Least-squares slope of RSS over the samples after warm-up, MB per minute. */
  slopeMbPerMin: number | undefined;
}

export interface RunnerFigures {
  mode: SoakMode;
  workerId: string;
  rows: number;
  bundles: number;
  batches: number;
  lost: number;
  duplicated: number;
  wrong: number;
  restarts: number;
}

export interface SoakError {
  tMs: number;
  runner: number;
  message: string;
}

export interface SoakResult {
  startedAt: string;
  machine: { cpus: number; model: string; memGb: number; node: string; kernel: string };
  loadAvg: { start: number[]; end: number[] };
  options: {
    durationMs: number;
    warmupMs: number;
    intervalMs: number;
    threads: number;
    modes: SoakMode[];
    seed: number;
    patternRows: number;
    batchRows: number;
    arrowBatchSize: number;
    bundling: BundlingOptions;
  };
  /** Streaming time actually spent, drain included. */
  elapsedMs: number;
  rows: number;
  bundles: number;
  runners: RunnerFigures[];
  /** Rows per second after the warm-up, all runners, and min / max over the intervals. */
  rowsPerSec: number;
  intervalRowsPerSec: { min: number; max: number; cv: number };
  memory: { runner: MemoryFigure; pool: MemoryFigure; workers: MemoryFigure[] };
  samples: SoakSample[];
  errors: SoakError[];
  problems: CheckProblem[];
  /** How the pool process ended, and worker processes still alive after it did. */
  poolExit: string;
  orphans: number[];
  ok: boolean;
}

/** Least-squares slope of `v` over `t` (ms), in MB per minute; undefined under 3 points. */
export function slope(points: { t: number; v: number | undefined }[]): number | undefined {
  const ps = points.filter((p) => p.v !== undefined) as { t: number; v: number }[];
  if (ps.length < 3) return undefined;
  const n = ps.length;
  const mt = ps.reduce((a, p) => a + p.t, 0) / n;
  const mv = ps.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of ps) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : ((num / den) * 60_000) / 1e6; // bytes/ms → MB/min
}

/** Start (first sample after the warm-up), end, peak and trend of one process's memory. */
export function memoryFigure(
  label: string,
  pid: number | undefined,
  samples: SoakSample[],
  pick: (s: SoakSample) => number | undefined,
): MemoryFigure {
  const warm = samples.filter((s) => s.warm);
  const values = samples.map(pick).filter((v): v is number => v !== undefined);
  return {
    label,
    pid,
    startBytes: warm.length ? pick(warm[0]!) : undefined,
    endBytes: samples.length ? pick(samples[samples.length - 1]!) : undefined,
    maxBytes: values.length ? Math.max(...values) : undefined,
    slopeMbPerMin: slope(warm.map((s) => ({ t: s.tMs, v: pick(s) }))),
  };
}
