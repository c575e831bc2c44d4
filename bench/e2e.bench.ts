/**
 * End to end through the full path (runner → gRPC on 127.0.0.1 → `vecudf worker` process → back),
 * vectorized vs row-wise, beside the raw gRPC loopback throughput of the same bytes with no work
 * (the runner's own transport to a bare BeamFnData echo peer in another process, same message
 * sizes, flush size and bundles in flight): `npx tsx bench/e2e.bench.ts [--quick]`.
 *
 * Cases: plus(a, b) over DOUBLE (16 bytes in, 8 out per row) and upper(s) over STRING, at 1k, 10k
 * and 100k-row batches. Goal (design.md §6): vectorized plus with 10k-row batches at ≥ 80% of
 * the raw limit, i.e. at most 1.25× its time. Writes e2e.json and e2e.md into `--out=<dir>`
 * (default: vecudf-e2e-bench in the system's temporary directory); docs/benchmarks/ belongs to
 * `vecudf bench`.
 * `THREADS=0` runs the worker's UDFs on its main thread (no thread pool); `--case=plus` runs one case.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordBatch } from 'apache-arrow';
import type { RunMetrics } from '../src/runner/metrics.js';
import { Runner, type RunSpec } from '../src/runner/runner.js';
import { DataTypes as T } from '../src/types/data-types.js';
import { genBatches } from '../test/helpers/gen-batches.js';
import { type CaseResult, type Group, runGroups } from './lib/ratios.js';
import { startRawLoopback } from './lib/raw-loopback.js';

const quick = process.argv.includes('--quick');
// The machine's load when the run starts and ends: on a busy 2-core box the figures move a lot.
const loadAtStart = loadavg()[0]!;
const here = dirname(fileURLToPath(import.meta.url));
const UDFS = join(here, '..', 'test', 'helpers', 'udfs.ts');
const BATCH_SIZES = quick ? [10_000] : [1_000, 10_000, 100_000];
const ROWS = { plus: quick ? 400_000 : 1_000_000, upper: quick ? 200_000 : 500_000 };

const inputs = {
  plus: genBatches({
    rows: ROWS.plus,
    batchRows: 65_536,
    seed: 1,
    columns: [
      { name: 'a', type: T.DOUBLE() },
      { name: 'b', type: T.DOUBLE() },
    ],
  }),
  upper: genBatches({
    rows: ROWS.upper,
    batchRows: 65_536,
    seed: 2,
    columns: [{ name: 's', type: T.STRING() }],
  }),
};

// THREADS=n sets the worker's executor threads (default: the worker's own, one per core).
const threads = process.env.THREADS === undefined ? undefined : Number(process.env.THREADS);
const runner = await Runner.start(threads === undefined ? {} : { threads });
const raw = await startRawLoopback();

async function drain(run: AsyncIterable<RecordBatch>): Promise<void> {
  for await (const _ of run) {
    // the consumer does nothing: what is measured is the path
  }
}

function spec(kase: 'plus' | 'upper', row: boolean, batch: number): RunSpec {
  const exp = `${kase}${row ? 'Row' : ''}`;
  const args = kase === 'plus' ? [{ column: 0 }, { column: 1 }] : [{ column: 0 }];
  return { plan: { calls: [{ udf: { module: UDFS, export: exp }, args }] }, arrowBatchSize: batch };
}

/** Every run's metrics per case: the summary uses the median run (by elapsedMs, start-up excluded). */
const samples = new Map<string, RunMetrics[]>();
async function runOnce(
  key: string,
  kase: 'plus' | 'upper',
  row: boolean,
  batch: number,
): Promise<RunMetrics> {
  const run = runner.run(inputs[kase], spec(kase, row, batch));
  await drain(run);
  let list = samples.get(key);
  if (!list) samples.set(key, (list = []));
  list.push(run.metrics);
  return run.metrics;
}
const rawSamples = new Map<string, number[]>();
function medianRun(key: string): RunMetrics {
  const list = [...(samples.get(key) ?? [])].sort((a, b) => a.elapsedMs - b.elapsedMs);
  return list[list.length >> 1]!;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const groups: Group[] = [];
const rawSizes = new Map<string, { bytes: number }>();
// --case=plus|upper runs one case only
const only = process.argv.find((a) => a.startsWith('--case='))?.slice(7);
for (const kase of (['plus', 'upper'] as const).filter((k) => !only || k === only)) {
  for (const batch of BATCH_SIZES) {
    const title = `${kase} @ ${batch / 1000}k-row batches`;
    // calibrate the raw baseline on the bytes a vectorized run really moves
    const m = await runOnce(`${title}|calibration`, kase, false, batch);
    const rawRun = {
      elementBytes: Math.round(m.bytesSent / m.batches),
      elements: m.batches,
      ratio: m.bytesReceived / m.bytesSent,
      elementsPerBundle: Math.max(1, Math.floor(100_000 / batch)),
    };
    rawSizes.set(title, { bytes: m.bytesSent + m.bytesReceived });
    const goal = kase === 'plus' && batch === 10_000 ? { max: 1.25 } : undefined;
    groups.push({
      title,
      rows: ROWS[kase],
      baseline: {
        name: 'raw gRPC (same bytes, no work)',
        fn: async () => {
          const r = await raw.run(rawRun);
          let list = rawSamples.get(title);
          if (!list) rawSamples.set(title, (list = []));
          list.push(r.ms);
        },
      },
      cases: [
        {
          name: 'vectorized',
          fn: () => runOnce(`${title}|vectorized`, kase, false, batch),
          ...(goal ? { goal } : {}),
        },
        { name: 'row-wise', fn: () => runOnce(`${title}|row-wise`, kase, true, batch) },
      ],
    });
  }
}

const results = await runGroups(groups, { rounds: quick ? 1 : 3, time: quick ? 800 : 2_000 });

// Transport alone for the row-wise runs' bytes too (the vectorized one is the groups' baseline).
const rawRowMs = new Map<string, number>();
for (const g of groups) {
  const rm = medianRun(`${g.title}|row-wise`);
  const batch = Number(g.title.match(/@ (\d+)k/)![1]) * 1000;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await raw.run({
      elementBytes: Math.round(rm.bytesSent / rm.batches),
      elements: rm.batches,
      ratio: rm.bytesReceived / rm.bytesSent,
      elementsPerBundle: Math.max(1, Math.floor(100_000 / batch)),
    });
    times.push(r.ms);
  }
  rawRowMs.set(g.title, median(times));
}
await raw.close();
await runner.close();

// The runner servers' HTTP/2 tuning, measured: the same raw transfer (plus @ 10k-row batches'
// bytes) with the servers' windows opened (the default) and with Node's 64 KiB defaults.
const tuning: Record<string, string | number>[] = [];
const plus10k = groups.find((g) => g.title === 'plus @ 10k-row batches');
if (plus10k) {
  const m = medianRun(`${plus10k.title}|vectorized`);
  const spec = {
    elementBytes: Math.round(m.bytesSent / m.batches),
    elements: m.batches,
    ratio: m.bytesReceived / m.bytesSent,
    elementsPerBundle: 10,
  };
  for (const [name, t] of [
    ['windows 8 MiB, frames ≤ 1 MiB (default)', undefined],
    ['windows 2 MiB, frames ≤ 1 MiB', { windowBytes: 2 << 20 }],
    ['windows 4 MiB, frames ≤ 1 MiB', { windowBytes: 4 << 20 }],
    ['Node defaults (64 KiB windows, 16 KiB frames)', false],
    ['windows 32 MiB, frames ≤ 4 MiB', { windowBytes: 32 << 20, maxFrameBytes: 4 << 20 }],
  ] as const) {
    const loop = await startRawLoopback(t === undefined ? {} : { tuning: t });
    await loop.run(spec);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await loop.run(spec)).ms);
    await loop.close();
    const ms = median(times);
    tuning.push({
      'runner servers': name,
      'ms (median of 5)': ms.toFixed(1),
      'MB/s (both ways)': ((m.bytesSent + m.bytesReceived) / 1e6 / (ms / 1000)).toFixed(0),
    });
  }
  console.log('\nTransport tuning (raw loopback, plus @ 10k-row batches bytes)');
  console.table(tuning);
}

// Summary: rows/s and MB/s per case, vectorized vs raw and vs row-wise, and where the time goes.
const mb = (m: RunMetrics) => (m.bytesSent + m.bytesReceived) / 1e6;
const table: Record<string, string | number>[] = [];
const stages: Record<string, string | number>[] = [];
for (const g of groups) {
  const rs = results.filter((r: CaseResult) => r.group === g.title);
  const vec = rs.find((r) => r.name === 'vectorized')!;
  const row = rs.find((r) => r.name === 'row-wise')!;
  const vm = medianRun(`${g.title}|vectorized`);
  const rm = medianRun(`${g.title}|row-wise`);
  const rawMs = median(rawSamples.get(g.title)!);
  const rawBytes = rawSizes.get(g.title)!.bytes / 1e6;
  const vecShare = rawMs / vm.elapsedMs;
  table.push({
    case: g.title,
    'raw M rows/s': (g.rows! / rawMs / 1000).toFixed(2),
    'raw MB/s': (rawBytes / (rawMs / 1000)).toFixed(0),
    'vectorized M rows/s': (g.rows! / vm.elapsedMs / 1000).toFixed(2),
    'vectorized MB/s': (mb(vm) / (vm.elapsedMs / 1000)).toFixed(0),
    'vectorized / raw': `${(vecShare * 100).toFixed(0)}%`,
    'row-wise M rows/s': (g.rows! / rm.elapsedMs / 1000).toFixed(2),
    'row-wise MB/s': (mb(rm) / (rm.elapsedMs / 1000)).toFixed(0),
    'vectorized / row-wise': `${(rm.elapsedMs / vm.elapsedMs).toFixed(2)}×`,
    'call ms (vec / row)': `${vec.ms.toFixed(0)} / ${row.ms.toFixed(0)}`,
    ...(vec.goal ? { goal: `≥ 80% of raw: ${vecShare >= 0.8 ? 'met' : 'MISSED'}` } : {}),
  });
  for (const [mode, m] of [
    ['vectorized', vm],
    ['row-wise', rm],
  ] as const) {
    const worker = Object.fromEntries(
      m.worker
        .filter((w) => w.labels.NAME && w.labels.NAME !== 'udf_ns' && /_ns$/.test(w.labels.NAME))
        .map((w) => [`worker ${w.labels.NAME!.replace(/_ns$/, '')} ms`, (w.value / 1e6).toFixed(1)]),
    );
    stages.push({
      case: `${g.title} ${mode}`,
      'elapsed ms': m.elapsedMs.toFixed(1),
      'runner cut': m.cutMs.toFixed(1),
      'runner encode': m.encodeMs.toFixed(1),
      'runner send': m.sendMs.toFixed(1),
      'runner wait (worker + transport)': m.waitMs.toFixed(1),
      'runner decode': m.decodeMs.toFixed(1),
      'runner join': m.joinMs.toFixed(1),
      'transport alone (raw, same bytes)': (mode === 'vectorized'
        ? median(rawSamples.get(g.title)!)
        : rawRowMs.get(g.title)!
      ).toFixed(1),
      'worker UDF': m.udfMs.toFixed(1),
      ...worker,
      'MB sent / received': `${(m.bytesSent / 1e6).toFixed(1)} / ${(m.bytesReceived / 1e6).toFixed(1)}`,
    });
  }
}
console.log(
  '\nEnd to end (median run; rows/s over elapsedMs = first batch sent → last result, start-up excluded)',
);
console.table(table);
console.log('\nWhere the time goes (median run of each case; ms summed over the run, stages overlap)');
console.table(stages);

const out = process.argv.find((a) => a.startsWith('--out='))?.slice(6) ?? join(tmpdir(), 'vecudf-e2e-bench');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'e2e.json'),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, threads: threads ?? 'default', loadAverage: { start: loadAtStart, end: loadavg()[0] }, summary: table, stages, tuning, results }, null, 2)}\n`,
);
const md = (rows: Record<string, string | number>[]) => {
  const cols = Object.keys(rows[0] ?? {});
  return [
    `| ${cols.join(' | ')} |`,
    `| ${cols.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((c) => r[c] ?? '').join(' | ')} |`),
  ].join('\n');
};
writeFileSync(
  join(out, 'e2e.md'),
  `# End to end: runner → gRPC → worker process\n\nGenerated by \`npx tsx bench/e2e.bench.ts\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, worker threads: ${threads ?? 'default'}, ` +
    `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores). ` +
    "Raw = the same bytes over the runner's transport to a bare echo peer, no Arrow or UDF work.\n\n" +
    `${md(table)}\n\n## Where the time goes\n\n${md(stages)}\n\n## Transport tuning\n\n${tuning.length ? md(tuning) : '(not run)'}\n`,
);
console.log(`\nwrote ${join(out, 'e2e.md')} and e2e.json`);
process.exit(0);
