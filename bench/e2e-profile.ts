/**
 * Profiles the end-to-end path of plus(a, b) through a worker process: `runs` rounds, each a raw
 * gRPC loopback of the same bytes then a vectorized run (paired, so the fraction of raw is
 * measured side by side); prints one JSON line (median fraction, every pair's fraction, the
 * worker's CPU ms per vectorized run — steadier than wall time on a loaded machine — the median
 * run's stage times including the worker's decode / UDF / encode), then a summary of the
 * worker's CPU profile by category. Profile this (runner) process too with node's --cpu-prof.
 *
 * Environment: THREADS (worker threads, default 0: the main thread), BATCH (rows per batch,
 * default 10,000), ROWS (default 1,000,000), WARM (vectorized runs before measuring, default 20;
 * the per-batch code takes some 30 runs to be fully optimized), NOPROF=1 (no worker profile; then WORKER_FLAGS are
 * node flags for the worker, e.g. `--trace-gc`), WORKER_OUT=1 (print the worker's output).
 *
 * @example
 * node --cpu-prof --cpu-prof-dir=/tmp/prof/runner --import tsx bench/e2e-profile.ts /tmp/prof 8
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordBatch } from 'apache-arrow';
import { defaultCliCommand } from '../src/runner/process-worker.js';
import { Runner, type RunSpec } from '../src/runner/runner.js';
import { tuneHeapForDataPlane } from '../src/util/heap-tuning.js';
import { summarizeProfiles } from './lib/cpu-profile.js';
import { numericData, toBatches } from './lib/data.js';
import { procCpuMs } from './lib/proc-cpu.js';
import { startRawLoopback } from './lib/raw-loopback.js';
import { stagesOf } from './suites/e2e.js';

// as the CLI does for every command (the raw loopback runs in this process too)
tuneHeapForDataPlane();
const dir = process.argv[2] ?? '/tmp/vecudf-prof';
const runs = Number(process.argv[3] ?? 8);
const threads = Number(process.env.THREADS ?? 0);
const bs = Number(process.env.BATCH ?? 10_000);
const rows = Number(process.env.ROWS ?? 1_000_000);
// the UDF module as the worker loads it: this build's (dist/bench/udfs.js) or the source (tsx)
const UDFS = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './udfs.ts' : './udfs.js', import.meta.url),
);
mkdirSync(join(dir, 'worker'), { recursive: true });
const [exe, ...rest] = defaultCliCommand();
const profile = process.env.NOPROF
  ? (process.env.WORKER_FLAGS ?? '').split(' ').filter(Boolean)
  : ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'worker')}`];
const runner = await Runner.start({
  threads,
  environment: {
    type: 'process',
    command: [exe!, ...profile, ...rest],
    ...(process.env.WORKER_OUT ? { onOutput: (l: string) => process.stderr.write(`W ${l}\n`) } : {}),
  },
});
const raw = await startRawLoopback();
const ds = numericData(rows, 1);
const input = toBatches(ds, ['a', 'b'], bs);
const spec: RunSpec = {
  plan: { calls: [{ udf: { module: UDFS, export: 'plus' }, args: [{ column: 0 }, { column: 1 }] }] },
  arrowBatchSize: bs,
};
async function once() {
  const run = runner.run(input, spec);
  for await (const _ of run as AsyncIterable<RecordBatch>) {
    // nothing
  }
  return run.metrics;
}
const cal = await once();
for (let k = Number(process.env.WARM ?? 20); k > 0; k--) await once();
const rawRun = {
  elementBytes: Math.round(cal.bytesSent / cal.batches),
  elements: cal.batches,
  ratio: cal.bytesReceived / cal.bytesSent,
  elementsPerBundle: Math.max(1, Math.floor(100_000 / bs)),
};
await raw.run(rawRun);
await new Promise((r) => setTimeout(r, 1000));
const workerPid = runner.worker.pid;
const cpu0 = procCpuMs(workerPid);
const peer0 = procCpuMs(raw.pid);
const self0 = process.cpuUsage();
const vec: number[] = [];
const rawMs: number[] = [];
const all = [];
let runnerRawCpu = 0;
let runnerVecCpu = 0;
let workerVecCpu = 0;
const cpuOf = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
for (let k = 0; k < runs; k++) {
  const c0 = process.cpuUsage();
  const r = await raw.run(rawRun);
  const c1 = process.cpuUsage();
  rawMs.push(r.ms);
  const w0 = procCpuMs(workerPid);
  const m = await once();
  workerVecCpu += procCpuMs(workerPid) - w0;
  runnerRawCpu += cpuOf(process.cpuUsage(c0)) - cpuOf(process.cpuUsage(c1));
  runnerVecCpu += cpuOf(process.cpuUsage(c1));
  vec.push(m.elapsedMs);
  all.push(m);
}
// CPU per vectorized run: the worker idles through the raw runs, this process works in both
const workerCpuPerRun = (procCpuMs(workerPid) - cpu0) / runs;
const echoPeerCpuPerRun = (procCpuMs(raw.pid) - peer0) / runs;
const selfCpu = process.cpuUsage(self0);
const runnerCpuPerRound = (selfCpu.user + selfCpu.system) / 1000 / runs;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mi = all.indexOf(all.find((m) => m.elapsedMs === med(vec))!);
console.log(
  JSON.stringify({
    rows,
    bs,
    threads,
    bytes: cal.bytesSent + cal.bytesReceived,
    rawMs: med(rawMs),
    vecMs: med(vec),
    fraction: med(rawMs) / med(vec),
    workerCpuMsPerRun: workerCpuPerRun,
    workerCpuMsInVecRuns: workerVecCpu / runs,
    echoPeerCpuMsPerRun: echoPeerCpuPerRun,
    runnerCpuMsPerRound: runnerCpuPerRound,
    runnerCpuMsPerRawRun: runnerRawCpu / runs,
    runnerCpuMsPerVecRun: runnerVecCpu / runs,
    pairs: vec.map((v, i) => +(rawMs[i]! / v).toFixed(2)),
    stages: stagesOf(all[mi]!),
  }),
);
await raw.close();
await runner.close();
if (!process.env.NOPROF) {
  const s = summarizeProfiles(join(dir, 'worker'), 'worker', 25, 600);
  console.log(JSON.stringify(s, null, 1));
}
