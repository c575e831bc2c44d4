/**
 * Transport tuning, measured side by side: the raw gRPC loopback (bench/lib/raw-loopback.ts: the
 * runner's own servers and Elements framing, an echo peer process in place of the worker) moving
 * the end-to-end message pattern of vectorized plus(a, b) at 10k-row batches — elements of
 * ~160 KB in, half as much back, 10 elements per bundle, 4 bundles in flight — under a grid of
 * HTTP/2 settings: receive windows on the runner's (server) side and on the peer's (client)
 * side, the largest frame each side accepts, and the runner's flush (message) size.
 *
 * Every setting keeps its own loopback (servers + peer process) alive for the whole run, and each
 * round runs every setting once, the order rotated by one each round, so that bursts of load from
 * neighbours fall on all settings alike. Figures: median MB/s (both directions together) over the
 * rounds, its spread (25th–75th percentile, min–max), and the median of the per-round ratio to
 * the current defaults. A run that does not finish within `--stall-ms` is a stall: it is counted,
 * that loopback is replaced by a fresh one, and the bench goes on. Then a stall probe repeats the
 * settings whose windows are large on both sides (the ones seen to deadlock before).
 *
 * Prints a markdown table (for docs/protocol.md, "Transport tuning") and one JSON line. `--only
 * <text>` (repeatable) keeps the settings whose label contains it, beside the current defaults:
 * a longer A/B of a few candidates.
 *
 * @example
 * npx tsx bench/transport-tuning.ts --rounds 40 --probe-runs 20
 * npx tsx bench/transport-tuning.ts --rounds 150 --probe-runs 0 --only 'client window 4 MiB' --only again
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { FLOW_CONTROL_WINDOW_BYTES } from '../src/proto/channel-options.js';
import { DEFAULT_SERVER_TUNING, type ServerTuning } from '../src/runner/server-tuning.js';
import type { EchoPeerTuning } from '../test/helpers/echo-data-peer.js';
import { procCpuMs } from './lib/proc-cpu.js';
import { type RawLoopback, type RawRun, startRawLoopback } from './lib/raw-loopback.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    elements: { type: 'string', default: '100' },
    'stall-ms': { type: 'string', default: '8000' },
    'probe-runs': { type: 'string', default: '20' },
    // only the settings whose label contains one of these (and the current defaults)
    only: { type: 'string', multiple: true },
  },
});
const ROUNDS = Number(args.rounds);
const STALL_MS = Number(args['stall-ms']);
const PROBE_RUNS = Number(args['probe-runs']);
// bench/e2e-profile.ts: plus(a, b), 1M rows at 10k-row batches = 100 elements of two float64
// columns (~160 KB each), output half the input bytes, 10 elements per bundle, 4 bundles in flight.
const PATTERN: RawRun = {
  elementBytes: 160_000,
  elements: Number(args.elements),
  ratio: 0.5,
  elementsPerBundle: 10,
  maxBundlesInFlight: 4,
};
const RUNNER_FLUSH = 1_000_000; // the runner's flushBytes (src/runner/operator.ts)

const KiB = 1024;
const MiB = 1024 * 1024;
const NODE_WINDOW = 65_535; // HTTP/2's and Node's initial window
const size = (b: number) => (b === NODE_WINDOW ? '64 KiB' : b >= MiB ? `${b / MiB} MiB` : `${b / KiB} KiB`);

interface Setting {
  /** What this setting varies, for the table. */
  group: string;
  label: string;
  server: ServerTuning | false | undefined;
  peer: EchoPeerTuning;
  flushBytes: number;
  /** A second loopback of the same settings (an A/A control: the noise floor of the ratios). */
  replica?: boolean;
}

const S = DEFAULT_SERVER_TUNING;
const current: Setting = {
  group: 'current',
  label: `current: server window ${size(S.windowBytes)}, frames ≤ ${size(S.maxFrameBytes)}; client window ${size(FLOW_CONTROL_WINDOW_BYTES)}, frames ≤ 16 KiB; flush 1 MB`,
  server: undefined,
  peer: {},
  flushBytes: RUNNER_FLUSH,
};
const server = (windowBytes: number, maxFrameBytes = S.maxFrameBytes): ServerTuning => ({
  windowBytes,
  maxFrameBytes,
});
const ALL_SETTINGS: Setting[] = [
  current,
  { ...current, group: 'A/A control', label: 'current again, its own loopback (noise floor)', replica: true },
  ...[NODE_WINDOW, 1 * MiB, 2 * MiB, 4 * MiB].map((w) => ({
    group: 'server window',
    label: `server window ${size(w)}`,
    server: server(w),
    peer: {},
    flushBytes: RUNNER_FLUSH,
  })),
  ...[NODE_WINDOW, 1 * MiB, 4 * MiB, 8 * MiB].map((w) => ({
    group: 'client window',
    label: `client window ${size(w)}`,
    server: undefined,
    peer: { windowBytes: w },
    flushBytes: RUNNER_FLUSH,
  })),
  ...[NODE_WINDOW, 1 * MiB, 2 * MiB, 4 * MiB].map((w) => ({
    group: 'both windows',
    label: `both windows ${size(w)}`,
    server: server(w),
    peer: { windowBytes: w },
    flushBytes: RUNNER_FLUSH,
  })),
  ...[16 * KiB, 64 * KiB].map((f) => ({
    group: 'server max frame',
    label: `server accepts frames ≤ ${size(f)}`,
    server: server(S.windowBytes, f),
    peer: {},
    flushBytes: RUNNER_FLUSH,
  })),
  ...[64 * KiB, 1 * MiB].map((f) => ({
    group: 'client max frame',
    label: `client accepts frames ≤ ${size(f)}`,
    server: undefined,
    peer: { maxFrameBytes: f },
    flushBytes: RUNNER_FLUSH,
  })),
  ...[256 * KiB, 4 * MiB].map((b) => ({
    group: 'flush size',
    label: `flush ${size(b)}`,
    server: undefined,
    peer: {},
    flushBytes: b,
  })),
  {
    group: 'Node defaults',
    label: 'Node defaults: 64 KiB windows, 16 KiB frames both sides',
    server: false,
    peer: { windowBytes: NODE_WINDOW },
    flushBytes: RUNNER_FLUSH,
  },
  {
    group: 'combined',
    label: 'client window 4 MiB + client frames ≤ 1 MiB',
    server: undefined,
    peer: { windowBytes: 4 * MiB, maxFrameBytes: 1 * MiB },
    flushBytes: RUNNER_FLUSH,
  },
];
// both windows 8 MiB is "client window 8 MiB" (the server's default is 8 MiB)
const SETTINGS = ALL_SETTINGS.filter(
  (s) => s === current || !args.only || args.only.some((o) => s.label.includes(o)),
);

/** Loopbacks by transport settings (flush sizes share one). */
const loops = new Map<string, RawLoopback>();
const keyOf = (s: Setting) => JSON.stringify([s.server, s.peer, s.replica ?? false]);
async function loopFor(s: Setting): Promise<RawLoopback> {
  const k = keyOf(s);
  let l = loops.get(k);
  if (!l) {
    l = await startRawLoopback({ ...(s.server === undefined ? {} : { tuning: s.server }), peer: s.peer });
    loops.set(k, l);
  }
  return l;
}

type Outcome = { ms: number; bytes: number; cpuMs: number } | { stall: true } | { error: string };

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One run, bounded: a stall or failure closes the loopback (a fresh one is started next time). */
async function runOnce(s: Setting, pattern: RawRun = PATTERN): Promise<Outcome> {
  const fresh = !loops.has(keyOf(s));
  const l = await loopFor(s);
  const cpu0 = selfCpuMs() + procCpuMs(l.pid);
  const run = l.run({ ...pattern, flushBytes: s.flushBytes });
  let timer: NodeJS.Timeout | undefined;
  // A fresh loopback's first run also waits for its peer process to start and connect.
  const bound = new Promise<'stall'>((r) => {
    timer = setTimeout(() => r('stall'), fresh ? STALL_MS + 30_000 : STALL_MS);
  });
  try {
    const r = await Promise.race([run, bound]);
    if (r !== 'stall') {
      return { ms: r.ms, bytes: r.bytesSent + r.bytesReceived, cpuMs: selfCpuMs() + procCpuMs(l.pid) - cpu0 };
    }
  } catch (e) {
    loops.delete(keyOf(s));
    await l.close();
    process.stderr.write(`failed: ${s.label}: ${(e as Error).message}\n`);
    return { error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
  run.catch(() => {}); // fails when its loopback closes
  process.stderr.write(`stall: ${s.label} (${pattern.elements} × ${pattern.elementBytes} B)\n`);
  loops.delete(keyOf(s));
  await l.close();
  return { stall: true };
}

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
};

interface Figures {
  mbps: number[];
  /** CPU ms of the runner process and the peer, summed over the measured runs. */
  cpuMs: number;
  ratio: number[];
  /** Rounds in which this setting was faster than the current defaults. */
  wins: number;
  stalls: number;
  errors: string[];
}
const figures = new Map<Setting, Figures>(
  SETTINGS.map((s) => [s, { mbps: [], cpuMs: 0, ratio: [], wins: 0, stalls: 0, errors: [] }]),
);
const loads: number[] = [loadavg()[0]!];
const started = performance.now();
const date = new Date().toISOString();

// Start every loopback and warm it up (its first run waits for the peer process to connect).
for (const s of SETTINGS) await runOnce(s);

for (let round = 0; round < ROUNDS; round++) {
  const order = SETTINGS.map((_, i) => SETTINGS[(i + round) % SETTINGS.length]!);
  const mbps = new Map<Setting, number>();
  for (const s of order) {
    const o = await runOnce(s);
    const f = figures.get(s)!;
    if ('ms' in o) {
      f.mbps.push(o.bytes / 1e6 / (o.ms / 1000));
      f.cpuMs += o.cpuMs;
      mbps.set(s, o.bytes / 1e6 / (o.ms / 1000));
    } else if ('stall' in o) f.stalls++;
    else f.errors.push(o.error);
  }
  const base = mbps.get(current);
  if (base !== undefined) {
    for (const [s, v] of mbps) {
      figures.get(s)!.ratio.push(v / base);
      if (v > base) figures.get(s)!.wins++;
    }
  }
  loads.push(loadavg()[0]!);
  process.stderr.write(`round ${round + 1}/${ROUNDS} done, load ${loadavg()[0]!.toFixed(2)}\n`);
}
const gridSeconds = (performance.now() - started) / 1000;

// Stall probe: windows large on both sides, in the e2e pattern and in a plain 1:1 echo of 1 MiB
// elements (the pattern the earlier stalls were seen in), alternating with the current defaults.
const bothBig = SETTINGS.filter(
  (s) =>
    (s.peer.windowBytes ?? FLOW_CONTROL_WINDOW_BYTES) >= 4 * MiB &&
    (s.server === undefined
      ? S.windowBytes
      : s.server === false
        ? NODE_WINDOW
        : (s.server.windowBytes ?? 0)) >=
      4 * MiB,
);
const ECHO_1M: RawRun = {
  elementBytes: MiB,
  elements: 32,
  ratio: 1,
  elementsPerBundle: 8,
  maxBundlesInFlight: 4,
};
const probe: { label: string; pattern: string; runs: number; stalls: number; errors: number }[] = [];
for (const s of [current, ...bothBig]) {
  for (const [name, pattern] of [
    ['e2e', PATTERN],
    ['echo 1:1, 1 MiB elements', ECHO_1M],
  ] as const) {
    const p = { label: s.label, pattern: name, runs: 0, stalls: 0, errors: 0 };
    for (let i = 0; i < PROBE_RUNS; i++) {
      const o = await runOnce(s, pattern);
      p.runs++;
      if ('stall' in o) p.stalls++;
      else if ('error' in o) p.errors++;
    }
    probe.push(p);
  }
}
loads.push(loadavg()[0]!);
await Promise.all([...loops.values()].map((l) => l.close()));

const f0 = (x: number) => x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);
const totalSeconds = (performance.now() - started) / 1000;
console.log(
  `\nRaw loopback, ${PATTERN.elements} elements of ${PATTERN.elementBytes / 1000} KB in, ratio ${PATTERN.ratio}, ` +
    `${PATTERN.elementsPerBundle} per bundle, ${PATTERN.maxBundlesInFlight} bundles in flight; ${date}; ` +
    `${ROUNDS} rounds (rotating order) in ${gridSeconds.toFixed(0)} s; load average (1 min) ` +
    `${f2(quantile(loads, 0))}–${f2(quantile(loads, 1))}, median ${f2(quantile(loads, 0.5))}\n`,
);
console.log(
  '| varies | setting | MB/s (both ways), median | p25–p75 | min–max | × current, median per round (p25–p75) | rounds faster than current | CPU ms per run (runner + peer, mean) | stalls |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of SETTINGS) {
  const f = figures.get(s)!;
  const runs = f.mbps.length + f.stalls + f.errors.length;
  const q = (xs: number[], fmt: (x: number) => string) =>
    [quantile(xs, 0.5), quantile(xs, 0.25), quantile(xs, 0.75), quantile(xs, 0), quantile(xs, 1)].map(fmt);
  const [m, p25, p75, lo, hi] = q(f.mbps, f0);
  const [rm, r25, r75] = q(f.ratio, f2);
  console.log(
    `| ${s.group} | ${s.label} | ${m} | ${p25}–${p75} | ${lo}–${hi} | ${s === current ? '1' : `${rm} (${r25}–${r75})`} | ` +
      `${s === current ? '' : `${f.wins}/${f.ratio.length}`} | ` +
      `${f0(f.cpuMs / f.mbps.length)} | ${f.stalls}/${runs}${f.errors.length ? ` (+${f.errors.length} failed: ${f.errors[0]})` : ''} |`,
  );
}
console.log('\nStall probe (each run bounded by', STALL_MS, 'ms)\n');
console.log('| setting | pattern | runs | stalls | failed |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const p of probe) console.log(`| ${p.label} | ${p.pattern} | ${p.runs} | ${p.stalls} | ${p.errors} |`);
console.log(
  JSON.stringify({
    date,
    rounds: ROUNDS,
    pattern: PATTERN,
    seconds: +totalSeconds.toFixed(1),
    load: loads.map((l) => +l.toFixed(2)),
    settings: SETTINGS.map((s) => {
      const f = figures.get(s)!;
      return {
        label: s.label,
        mbps: f.mbps.map((x) => +x.toFixed(0)),
        ratio: +quantile(f.ratio, 0.5).toFixed(3),
        wins: f.wins,
        cpuMsPerRun: +(f.cpuMs / f.mbps.length).toFixed(1),
        stalls: f.stalls,
        errors: f.errors,
      };
    }),
    probe,
  }),
);
