/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): self time per category of code (garbage
 * collection, buffer allocation and copies, gRPC, the Arrow codec, the pool, the harness, the UDF
 * and its kernels, module loading, idle) and the functions with the most self time. The
 * end-to-end suite profiles a worker process with it, so that the report can say where the
 * worker's time goes, from the same run.
 *
 * @example
 * const summary = summarizeProfiles('/tmp/prof', 'a+b @ 10,000, 1 thread');
 * summary.categories; // { 'garbage collection': 812.3, 'gRPC (grpc-js)': 301.2, … }
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export interface ProfileSummary {
  /** What was profiled. */
  label: string;
  /** `worker`: a worker process end to end; `in-process`: a function-level case. */
  scope?: 'worker' | 'in-process';
  suite?: string;
  case?: string;
  mode?: string;
  /** Sampled time, ms, idle included (every thread's profile summed). */
  totalMs: number;
  /** Self time by category, ms. */
  categories: Record<string, number>;
  /** Functions with the most self time. */
  top: { fn: string; ms: number }[];
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The category of a function, from its name and script URL. */
export function categorize(fn: string, url: string): string {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(idle)' || /^atomicsWait/.test(fn)) return 'idle';
  if (fn === '(program)') return 'V8 / native (unattributed)';
  if (url.includes('@grpc/') || url.includes('grpc-js')) return 'gRPC (grpc-js, HTTP/2)';
  if (
    url.startsWith('node:internal/http2') ||
    url.includes('node:http2') ||
    url.startsWith('node:net') ||
    url.includes('stream')
  )
    return 'node streams / http2 / net';
  if (
    (url === 'node:buffer' || url === 'node:internal/buffer' || url === '') &&
    /alloc|copy|concat|createUnsafeBuffer|_copyActual|utf8Write|utf8Slice|slice/i.test(fn)
  )
    return 'buffer allocation and copies';
  if (/\/codec\//.test(url)) return 'Arrow / row codec';
  if (/\/pool\//.test(url) || url.includes('piscina')) return 'thread pool';
  if (/\/harness\//.test(url)) return 'harness (data, control)';
  if (/\/runner\//.test(url)) return 'Elements codec (runner/)';
  if (
    /\/(series|exec|udf)\//.test(url) ||
    /\/bench\/udfs/.test(url) ||
    url.includes('/examples/') ||
    fn === 'fused'
  )
    return 'UDF, kernels, executor';
  if (url.includes('apache-arrow')) return 'apache-arrow';
  if (/esm|cjs|loader|lexer|compile|realm/.test(url) || /compile|dlopen|openFileHandle|Stat/.test(fn))
    return 'module loading (start-up)';
  return 'other';
}

/**
 * The index of the first sample after the last stretch of idle samples lasting at least `gapMs`
 * (0 when there is none): the profiled process is left idle between its warm-up and the measured
 * work, so that start-up can be cut off.
 */
export function afterLastIdleGap(p: CpuProfile, gapMs: number): number {
  const idle = new Set(
    p.nodes
      .filter((n) => n.callFrame.functionName === '(idle)' || /^atomicsWait/.test(n.callFrame.functionName))
      .map((n) => n.id),
  );
  let start = 0;
  let run = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (idle.has(p.samples[i]!)) {
      run += (p.timeDeltas[i] ?? 0) / 1000;
      if (run >= gapMs) start = i + 1;
    } else {
      run = 0;
    }
  }
  return start;
}

/**
 * Sums every `.cpuprofile` in `dir` (one per thread). With `afterIdleGapMs`, each profile counts
 * only from the end of its last idle stretch that long (start-up and warm-up excluded).
 */
export function summarizeProfiles(
  dir: string,
  label: string,
  topN = 12,
  afterIdleGapMs?: number,
): ProfileSummary {
  const categories: Record<string, number> = {};
  const byFn = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const from = afterIdleGapMs === undefined ? 0 : afterLastIdleGap(p, afterIdleGapMs);
    total += accumulate(p, from, categories, byFn);
  }
  const top = [...byFn]
    .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('atomicsWait'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, ms]) => ({ fn, ms }));
  return { label, totalMs: total, categories, top };
}

/** Adds a profile's samples (from sample `from` on) into the running totals. */
function accumulate(
  p: CpuProfile,
  from: number,
  categories: Record<string, number>,
  byFn: Map<string, number>,
): number {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  let total = 0;
  for (let i = from; i < p.samples.length; i++) {
    const n = nodes.get(p.samples[i]!);
    if (!n) continue;
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = n.callFrame;
    total += ms;
    const cat = categorize(functionName, url);
    categories[cat] = (categories[cat] ?? 0) + ms;
    const where = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  return total;
}

/**
 * Profiles `fn` in this process (the inspector's sampling profiler) while calling it repeatedly
 * for about `ms` milliseconds; summarizes like {@link summarizeProfiles}.
 */
export async function profileInProcess(
  label: string,
  fn: () => unknown,
  ms: number,
  topN = 8,
): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const end = performance.now() + ms;
    let calls = 0;
    do {
      await fn();
      calls++;
    } while (performance.now() < end);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const categories: Record<string, number> = {};
    const byFn = new Map<string, number>();
    // The inspector's own message loop shows up as a native `dispatch`: not the measured code.
    const inspector = new Set(
      profile.nodes
        .filter((n) => n.callFrame.functionName === 'dispatch' && n.callFrame.url === '')
        .map((n) => n.id),
    );
    const kept = profile.samples
      .map((id, i) => [id, profile.timeDeltas[i] ?? 0] as const)
      .filter(([id]) => !inspector.has(id));
    const total = accumulate(
      { nodes: profile.nodes, samples: kept.map(([id]) => id), timeDeltas: kept.map(([, dt]) => dt) },
      0,
      categories,
      byFn,
    );
    const top = [...byFn]
      .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)') && !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([f, v]) => ({ fn: f, ms: v }));
    return { label: `${label} (${calls} calls)`, totalMs: total, categories, top };
  } finally {
    await session.post('Profiler.disable').catch(() => {});
    session.disconnect();
  }
}
