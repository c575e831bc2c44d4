/**
 * The executor pool, in process (`npx tsx bench/pool.bench.ts`): thread scaling and transfer vs
 * copy, side by side in one run.
 *
 * - Scaling: a CPU-heavy vectorized UDF (haversine over four DOUBLE columns) and a cheap one
 *   (plus over two), 10,000-row batches, run directly on the main thread with no pool (decode →
 *   executor → encode), through the pool with `threads: 0`, 1 and 2. Each measured iteration
 *   pushes a burst of batches through and awaits all results, so it is throughput, not latency.
 *   Every iteration starts from fresh copies of the input bytes, as if just received from the
 *   network (the pool takes ownership of them), made untimed before the iteration, in every
 *   configuration alike: the figures are the pool's, not the input source's.
 * - Transfer vs copy: an identity UDF over 1 MiB and 8 MiB elements, through one thread, with
 *   the bytes transferred (default) or copied by structured clone both ways (`transfer: false`).
 *
 * Reusable: `runPoolBench(options)` returns the figures (the end-to-end bench can call it with
 * other sizes); run as a script, it prints a table and the ratios.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { Bench } from 'tinybench';
import { ArrowFrameEncoder } from '../src/codec/arrow-frame.js';
import type { Plan } from '../src/exec/plan.js';
import { ElementRunner } from '../src/pool/element-runner.js';
import { createExecutorPool, type ExecutorPool } from '../src/pool/index.js';

// The UDF fixtures, from bench/ (tsx) or from dist/bench/ (built).
const UDFS = [
  new URL('../test/fixtures/pool/udfs.mjs', import.meta.url),
  new URL('../../test/fixtures/pool/udfs.mjs', import.meta.url),
]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p))!;

export interface PoolBenchOptions {
  /** Rows per batch (default 10,000). */
  rows?: number;
  /** Batches per measured iteration (default 32). */
  burst?: number;
  /**
   * Configurations to compare: 'direct' = no pool at all, else pool options (default: direct;
   * threads 0, 1, 2; and 2 threads with two batches posted to each thread at once).
   */
  configs?: ('direct' | { threads: number; syncDepth?: number; cheapBatchMs?: number })[];
  /** tinybench time budget per task over all rounds, ms (default 2000). */
  time?: number;
  /** Rounds (default 5): every task runs once per round; figures are medians over rounds. */
  rounds?: number;
  /** Element sizes for transfer vs copy, MiB (default 1 and 8). */
  transferMiB?: number[];
}

export interface ScalingFigure {
  udf: 'haversine' | 'plus';
  config: string;
  msPerBurst: number;
  rowsPerSec: number;
}

export interface TransferFigure {
  mib: number;
  mode: 'transfer' | 'copy';
  msPerRoundTrip: number;
  msPerMiB: number;
}

function plan(name: string, arity: number): Plan {
  const types = Array.from({ length: arity }, () => 'DOUBLE');
  return {
    calls: [
      {
        udf: { module: UDFS, export: name, kind: 'vectorized', inputTypes: types, resultType: 'DOUBLE' },
        args: types.map((_, i) => ({ column: i })),
      },
    ],
  };
}

function element(columns: Float64Array[]): Uint8Array {
  const vectors: Record<string, arrow.Vector> = {};
  columns.forEach((c, i) => {
    vectors[`c${i}`] = arrow.makeVector(c);
  });
  const batch = new arrow.Table(vectors).batches[0]!;
  // The element's payload (what the harness hands the pool): the IPC stream after the varint prefix.
  const framed = new ArrowFrameEncoder(batch.schema).encode(batch);
  let prefix = 1;
  while (framed[prefix - 1]! >= 128) prefix++;
  return framed.slice(prefix);
}

function randomColumn(n: number, lo: number, hi: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

// Two plain threads that each run a share of a fixed amount of arithmetic on request.
const PROBE_CODE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.asin(Math.sqrt(Math.sin(i * 1e-7) ** 2 * 0.5));
  parentPort.postMessage(s);
});`;
const PROBE_WORK = 4_000_000;

async function startProbe(): Promise<{ run(k: 1 | 2): Promise<void>; close(): Promise<void> }> {
  const workers = [new Worker(PROBE_CODE, { eval: true }), new Worker(PROBE_CODE, { eval: true })];
  const ask = (w: Worker, n: number) =>
    new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.postMessage(n);
    });
  await Promise.all(workers.map((w) => ask(w, 1000)));
  return {
    run: async (k) => {
      await Promise.all(workers.slice(0, k).map((w) => ask(w, PROBE_WORK / k)));
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Fresh bytes of each template, as a network read would hand them over. */
const fresh = (templates: Uint8Array[]) => templates.map((t) => t.slice());

export async function runPoolBench(options: PoolBenchOptions = {}): Promise<{
  scaling: ScalingFigure[];
  transfer: TransferFigure[];
  /** One tiny batch through one thread and back, vs run directly: the fixed cost of the hop. */
  hop: { msPerRoundTrip: number; msDirect: number };
  /**
   * What the machine gives at the moment: the same fixed amount of pure arithmetic split over
   * 1 and 2 plain worker threads (no pool, no data). On a shared machine this is well below 2×
   * and bounds what any pool can show.
   */
  machine: { oneThreadMs: number; twoThreadsMs: number };
}> {
  const rows = options.rows ?? 10_000;
  const burst = options.burst ?? 32;
  const configs = options.configs ?? [
    'direct',
    { threads: 0 },
    { threads: 1 },
    { threads: 2 },
    { threads: 2, syncDepth: 2 },
    { threads: 2, cheapBatchMs: 0.25 },
  ];
  const time = options.time ?? 2000;
  const udfs = {
    haversine: {
      plan: plan('haversine', 4),
      templates: Array.from({ length: burst }, (_, b) =>
        element([
          randomColumn(rows, -90, 90, b * 4 + 1),
          randomColumn(rows, -180, 180, b * 4 + 2),
          randomColumn(rows, -90, 90, b * 4 + 3),
          randomColumn(rows, -180, 180, b * 4 + 4),
        ]),
      ),
    },
    plus: {
      plan: plan('plus', 2),
      templates: Array.from({ length: burst }, (_, b) =>
        element([randomColumn(rows, 0, 1000, b * 2 + 1), randomColumn(rows, 0, 1000, b * 2 + 2)]),
      ),
    },
  };

  const label = (c: (typeof configs)[number]) => {
    if (c === 'direct') return 'direct (no pool)';
    if (c.threads === 0) return 'pool, main thread';
    if (c.cheapBatchMs) return `pool, ${c.threads} threads, adaptive dispatch`;
    const depth = c.syncDepth && c.syncDepth > 1 ? `, ${c.syncDepth} queued per thread` : '';
    return `pool, ${c.threads} thread${c.threads > 1 ? 's' : ''}${depth}`;
  };
  const pools = new Map<string, ExecutorPool>();
  // Threads as asked, every batch on them (adaptive dispatch off) unless a config turns it on.
  for (const c of configs)
    if (c !== 'direct') pools.set(label(c), createExecutorPool({ cheapBatchMs: 0, ...c }));
  const direct = new ElementRunner({ baseDir: process.cwd() });

  // `before` runs untimed before each iteration: it makes the iteration's fresh input bytes.
  const tasks: { name: string; fn: () => Promise<void>; before?: () => void }[] = [];
  let inputs: Uint8Array[] = [];
  const scalingNames: { name: string; udf: 'haversine' | 'plus'; config: string }[] = [];
  for (const [udf, u] of Object.entries(udfs) as [keyof typeof udfs, (typeof udfs)[keyof typeof udfs]][]) {
    const before = () => {
      inputs = fresh(u.templates);
    };
    for (const c of configs) {
      const config = label(c);
      const name = `${udf} · ${config}`;
      scalingNames.push({ name, udf, config });
      if (c === 'direct') {
        tasks.push({
          name,
          fn: async () => {
            const info = { rowsIn: 0 };
            for (const bytes of inputs) await direct.run(udf, u.plan, bytes, 'arrow', info);
          },
          before,
        });
      } else {
        const pool = pools.get(config)!;
        tasks.push({
          name,
          fn: async () => {
            await Promise.all(inputs.map((bytes) => pool.run(udf, u.plan, bytes, 'arrow', 'burst')));
          },
          before,
        });
      }
    }
  }

  // The thread hop: one 10-row batch of plus at a time through one thread, vs the same directly.
  const tiny = element([randomColumn(10, 0, 1, 7), randomColumn(10, 0, 1, 8)]);
  const hopPool = createExecutorPool({ threads: 1, cheapBatchMs: 0 });
  tasks.push({
    name: 'hop · 10-row plus, 1 thread',
    fn: async () => {
      await hopPool.run('plus', udfs.plus.plan, tiny.slice());
    },
  });
  tasks.push({
    name: 'hop · 10-row plus, direct',
    fn: async () => {
      await direct.run('plus', udfs.plus.plan, tiny.slice(), 'arrow', { rowsIn: 0 });
    },
  });

  // The machine's parallelism right now: plain threads, no pool.
  const probe = await startProbe();
  tasks.push({ name: 'machine · 1 plain thread', fn: () => probe.run(1) });
  tasks.push({ name: 'machine · 2 plain threads', fn: () => probe.run(2) });

  // Transfer vs copy: one thread, an identity UDF (slowIdentity with a constant 0 ms delay),
  // one element in flight at a time.
  const identity: Plan = {
    calls: [
      {
        udf: {
          module: UDFS,
          export: 'slowIdentity',
          kind: 'vectorized',
          inputTypes: ['DOUBLE', 'DOUBLE'],
          resultType: 'DOUBLE',
        },
        args: [{ column: 0 }, { constant: 0, type: 'DOUBLE' }],
      },
    ],
  };
  const transferPools = {
    transfer: createExecutorPool({ threads: 1, cheapBatchMs: 0 }),
    copy: createExecutorPool({ threads: 1, transfer: false, cheapBatchMs: 0 }),
  };
  const transferNames: { name: string; mib: number; mode: 'transfer' | 'copy' }[] = [];
  for (const mib of options.transferMiB ?? [1, 8]) {
    const template = element([randomColumn((mib * 1024 * 1024) / 8, 0, 1, mib)]);
    for (const mode of ['transfer', 'copy'] as const) {
      const name = `identity ${mib} MiB · ${mode}`;
      transferNames.push({ name, mib, mode });
      const pool = transferPools[mode];
      let bytes = template;
      tasks.push({
        name,
        fn: async () => {
          await pool.run('identity', identity, bytes);
        },
        before: () => {
          bytes = template.slice();
        },
      });
    }
  }

  // Load every plan on every thread before measuring.
  for (const [udf, u] of Object.entries(udfs)) {
    for (const pool of pools.values())
      await Promise.all(fresh(u.templates).map((b) => pool.run(udf, u.plan, b)));
  }
  await hopPool.run('plus', udfs.plus.plan, tiny.slice());
  for (const pool of Object.values(transferPools))
    await pool.run('identity', identity, element([new Float64Array(8)]));

  // Rounds of every task, each a short tinybench run; the figure is the median over rounds, so a
  // load change on a shared machine hits all configurations alike instead of the one running then.
  const rounds = options.rounds ?? 5;
  const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: time / rounds, warmupTime: 100 });
    for (const t of tasks) bench.add(t.name, t.fn, t.before ? { beforeEach: t.before } : {});
    await bench.run();
    for (const t of tasks) {
      const res = bench.getTask(t.name)!.result;
      if (res.state !== 'completed') throw new Error(`bench task '${t.name}' did not complete: ${res.state}`);
      samples.get(t.name)!.push(res.latency.mean);
    }
  }
  await Promise.all([...pools.values(), ...Object.values(transferPools), hopPool].map((p) => p.close()));
  await probe.close();

  const period = (name: string) => {
    const xs = [...samples.get(name)!].sort((a, b) => a - b);
    return xs[xs.length >> 1]!;
  };
  const scaling = scalingNames.map(({ name, udf, config }) => {
    const ms = period(name);
    return { udf, config, msPerBurst: ms, rowsPerSec: (rows * burst * 1000) / ms };
  });
  const transfer = transferNames.map(({ name, mib, mode }) => {
    const ms = period(name);
    return { mib, mode, msPerRoundTrip: ms, msPerMiB: ms / mib };
  });
  const hop = {
    msPerRoundTrip: period('hop · 10-row plus, 1 thread'),
    msDirect: period('hop · 10-row plus, direct'),
  };
  const machine = {
    oneThreadMs: period('machine · 1 plain thread'),
    twoThreadsMs: period('machine · 2 plain threads'),
  };
  return { scaling, transfer, hop, machine };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { scaling, transfer, hop, machine } = await runPoolBench();
  const fmt = (x: number) => x.toFixed(2);
  console.log(
    `machine now: fixed arithmetic on 1 plain thread ${fmt(machine.oneThreadMs)} ms, on 2 threads ${fmt(machine.twoThreadsMs)} ms (${fmt(machine.oneThreadMs / machine.twoThreadsMs)}×)`,
  );
  console.log('thread scaling (10,000-row batches, bursts of 32):');
  console.table(
    scaling.map((s) => ({ ...s, msPerBurst: fmt(s.msPerBurst), rowsPerSec: Math.round(s.rowsPerSec) })),
  );
  for (const udf of ['haversine', 'plus'] as const) {
    const of = (config: string) => scaling.find((s) => s.udf === udf && s.config === config)?.msPerBurst;
    const d = of('direct (no pool)');
    const t1 = of('pool, 1 thread');
    const t2 = of('pool, 2 threads');
    if (t1 && t2) console.log(`${udf}: 2 threads vs 1 thread = ${fmt(t1 / t2)}×`);
    if (d && t2) console.log(`${udf}: 2 threads vs no pool = ${fmt(d / t2)}×`);
    const t2q = of('pool, 2 threads, 2 queued per thread');
    if (d && t2q) console.log(`${udf}: 2 threads (2 queued each) vs no pool = ${fmt(d / t2q)}×`);
  }
  console.log(
    `thread hop: a 10-row batch through 1 thread ${fmt(hop.msPerRoundTrip * 1000)} µs vs ${fmt(hop.msDirect * 1000)} µs directly`,
  );
  console.log('transfer vs copy (one thread, identity UDF, round trip):');
  console.table(
    transfer.map((t) => ({ ...t, msPerRoundTrip: fmt(t.msPerRoundTrip), msPerMiB: fmt(t.msPerMiB) })),
  );
}
