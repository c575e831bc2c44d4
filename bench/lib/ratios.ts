/**
 * A tiny runner for "X vs its baseline" benchmarks: each group has a baseline case and the cases
 * compared with it. A group runs as many short tinybench rounds (every case once per round, the
 * order alternating), so that a noisy neighbour on a shared 2-core machine — whose load comes in
 * bursts of seconds — shifts both sides of a ratio alike. Times are medians (tinybench's p50 per
 * round, then the median over rounds), which GC pauses and bursts of load do not drag around the
 * way a mean does; the ratio is case / baseline per round, median over rounds (below 1: faster
 * than the baseline).
 *
 * @example
 * const results = await runGroups([{
 *   title: 'a*2+b, 1M float64',
 *   baseline: { name: 'hand-written loop', fn: () => loop() },
 *   cases: [{ name: 'Series', fn: () => a.mul(2).add(b).vector, goal: { max: 1.5 } }],
 * }]);
 */
import { Bench } from 'tinybench';

/** One measured function; it may return a Promise. */
export interface Case {
  readonly name: string;
  readonly fn: () => unknown;
  /** An acceptance bound on the ratio to the baseline (`max`: at most, `min`: at least). */
  readonly goal?: { readonly max?: number; readonly min?: number };
}

/** A baseline and the cases compared with it. */
export interface Group {
  readonly title: string;
  readonly baseline: Case;
  readonly cases: readonly Case[];
  /** Rows processed by one call, for a rows/s column. */
  readonly rows?: number;
}

/** A case's figures. */
export interface CaseResult {
  readonly group: string;
  readonly name: string;
  /** Median over rounds of the median time per call, ms. */
  readonly ms: number;
  /** Median over rounds of ms / baseline ms (1 for the baseline). */
  readonly ratio: number;
  readonly goal?: Case['goal'];
  /** Whether the goal is met (true without a goal). */
  readonly ok: boolean;
}

export interface RunOptions {
  /** Rounds per group (default 11). */
  readonly rounds?: number;
  /** tinybench time per case per round, ms (default 150). */
  readonly time?: number;
  /** tinybench warm-up time per case, ms, first round only (default: tinybench's, 250). */
  readonly warmupTime?: number;
  /**
   * Least calls per case per round (default 5). tinybench runs until both this and `time` are
   * reached, so slow cases want a small value to stay within the time.
   */
  readonly iterations?: number;
  /** Least warm-up calls per case, first round only (default: tinybench's, 16). */
  readonly warmupIterations?: number;
  /** Print a table per group (default true). */
  readonly print?: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs every group and returns (and by default prints) each case's time and ratio. */
export async function runGroups(groups: readonly Group[], opts: RunOptions = {}): Promise<CaseResult[]> {
  const rounds = opts.rounds ?? 11;
  const time = opts.time ?? 150;
  const out: CaseResult[] = [];
  for (const g of groups) {
    const all = [g.baseline, ...g.cases];
    const times = all.map(() => [] as number[]);
    const ratios = all.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      // Alternate the order between rounds so that neither side always runs first.
      const order = r % 2 === 0 ? all.map((_, i) => i) : all.map((_, i) => all.length - 1 - i);
      const bench = new Bench({
        time,
        iterations: opts.iterations ?? 5,
        warmup: r === 0,
        ...(opts.warmupTime === undefined ? {} : { warmupTime: opts.warmupTime }),
        ...(opts.warmupIterations === undefined ? {} : { warmupIterations: opts.warmupIterations }),
      });
      for (const i of order) bench.add(all[i]!.name, all[i]!.fn);
      await bench.run();
      const mean = (name: string): number => {
        const t = bench.tasks.find((x) => x.name === name)!;
        const res = t.result as { latency?: { p50: number }; error?: unknown };
        if (!res.latency) throw new Error(`bench '${g.title}' / '${name}' failed: ${String(res.error)}`);
        return res.latency.p50;
      };
      const base = mean(g.baseline.name);
      all.forEach((c, i) => {
        const ms = mean(c.name);
        times[i]!.push(ms);
        ratios[i]!.push(ms / base);
      });
    }
    const results = all.map((c, i): CaseResult => {
      const ratio = median(ratios[i]!);
      const ok =
        (c.goal?.max === undefined || ratio <= c.goal.max) &&
        (c.goal?.min === undefined || ratio >= c.goal.min);
      return {
        group: g.title,
        name: c.name,
        ms: median(times[i]!),
        ratio,
        ok,
        ...(c.goal ? { goal: c.goal } : {}),
      };
    });
    out.push(...results);
    if (opts.print !== false) printGroup(g, results);
  }
  return out;
}

function printGroup(g: Group, results: readonly CaseResult[]): void {
  console.log(`\n${g.title}`);
  console.table(
    results.map((r) => {
      const row: Record<string, string> = {
        case: r.name,
        'ms / call': r.ms.toFixed(3),
        'ratio to baseline': r.name === g.baseline.name ? '1 (baseline)' : `${r.ratio.toFixed(2)}×`,
      };
      if (g.rows) row['M rows/s'] = (g.rows / r.ms / 1000).toFixed(1);
      if (r.goal) {
        const bound = r.goal.max !== undefined ? `≤ ${r.goal.max}×` : `≥ ${r.goal.min}×`;
        row.goal = `${bound} ${r.ok ? 'met' : 'MISSED'}`;
      }
      return row;
    }),
  );
}

/**
 * Ratio b/a as the median over `rounds` rounds that run a then b back to back, so that a burst of
 * load on a shared machine hits both sides of a round alike (above 1: b is slower).
 *
 * @example
 * const speedup = await pairedRatio(vectorizedPass, rowPass); // row time / vectorized time
 */
export async function pairedRatio(a: () => unknown, b: () => unknown, rounds = 9): Promise<number> {
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    await a();
    const ta = performance.now() - t;
    t = performance.now();
    await b();
    ratios.push((performance.now() - t) / ta);
  }
  return median(ratios);
}
