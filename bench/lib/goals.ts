/**
 * The acceptance goals of the benchmarks (issue 6, design.md §6), evaluated on a run's
 * measurements. A goal whose measurements are missing is "not measured", never guessed.
 *
 * @example
 * for (const g of evaluateGoals(results)) console.log(g.title, g.status, g.measured);
 */
import { type BenchResults, type Measurement, VECTORIZED_BESIDE_ROW } from './results.js';

export type GoalStatus = 'met' | 'missed' | 'not measured';

export interface GoalResult {
  id: string;
  title: string;
  target: string;
  /** The figures, e.g. "a+b 14.2×, a*2+b 12.9×". */
  measured: string;
  status: GoalStatus;
}

/** The batch size ratios are read at: 10,000 if measured, else the middle one. */
export function referenceBatch(ms: readonly Measurement[], suite: string): number | undefined {
  const sizes = [
    ...new Set(ms.filter((m) => m.suite === suite && m.mode === 'vectorized').map((m) => m.batchSize)),
  ].sort((a, b) => a - b);
  if (sizes.length === 0) return undefined;
  return sizes.includes(10_000) ? 10_000 : sizes[sizes.length >> 1];
}

/** rows/s of a measurement; for function-level peers the batch size is ignored. */
export function rate(
  ms: readonly Measurement[],
  suite: string,
  kase: string,
  mode: string,
  batchSize?: number,
  threads?: number,
): number | undefined {
  const peer = !['vectorized', 'row', 'limit', VECTORIZED_BESIDE_ROW].includes(mode);
  const m = ms.find(
    (x) =>
      x.suite === suite &&
      x.case === kase &&
      x.mode === mode &&
      (peer || batchSize === undefined || x.batchSize === batchSize) &&
      (threads === undefined || x.threads === threads),
  );
  return m?.rowsPerSec;
}

/**
 * The vectorized rate to set against row-wise: end to end, that of the vectorized runs measured
 * side by side with the row-wise ones ({@link VECTORIZED_BESIDE_ROW}), else `vectorized`.
 */
export function vectorizedBesideRow(
  ms: readonly Measurement[],
  suite: string,
  kase: string,
  batchSize?: number,
  threads?: number,
): number | undefined {
  return (
    rate(ms, suite, kase, VECTORIZED_BESIDE_ROW, batchSize, threads) ??
    rate(ms, suite, kase, 'vectorized', batchSize, threads)
  );
}

/** The string case the 20× goal is judged on: `lower(uri).contains('video')` on the UTF-8 bytes. */
export const BYTE_KERNEL_STRING_CASE = 'lower+contains';

const x = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}×`;
const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

interface Check {
  label: string;
  value: number | undefined;
  ok: (v: number) => boolean;
  show: (v: number) => string;
  /** false: shown beside the judged figures for context, never meeting or missing the goal. */
  judged?: boolean;
}

function combine(id: string, title: string, target: string, all: Check[]): GoalResult {
  const checks = all.filter((c) => c.judged !== false);
  const have = checks.filter((c) => c.value !== undefined);
  if (have.length === 0) return { id, title, target, measured: '—', status: 'not measured' };
  const measured = all
    .map(
      (c) =>
        `${c.label} ${c.value === undefined ? 'not measured' : c.show(c.value)}${c.judged === false ? ' (not judged)' : ''}`,
    )
    .join(', ');
  // one failing figure misses the goal; all figures present and passing meet it
  const status: GoalStatus = have.some((c) => !c.ok(c.value!))
    ? 'missed'
    : have.length === checks.length
      ? 'met'
      : 'not measured';
  return { id, title, target, measured, status };
}

export function evaluateGoals(r: Pick<BenchResults, 'measurements'>): GoalResult[] {
  const ms = r.measurements;
  const speedup = (suite: string, kase: string): number | undefined => {
    const bs = referenceBatch(ms, suite);
    const v = rate(ms, suite, kase, 'vectorized', bs);
    const w = rate(ms, suite, kase, 'row', bs);
    return v !== undefined && w !== undefined ? v / w : undefined;
  };
  const cases = (suite: string) => [
    ...new Set(ms.filter((m) => m.suite === suite && m.mode === 'vectorized').map((m) => m.case)),
  ];
  const out: GoalResult[] = [];

  const numeric = cases('numeric');
  out.push(
    combine(
      'numeric-10x',
      'Function level, numeric: vectorized over row-wise',
      '≥ 10×',
      (numeric.length ? numeric : ['a*2+b']).map((c) => ({
        label: c,
        value: speedup('numeric', c),
        ok: (v) => v >= 10,
        show: x,
      })),
    ),
  );
  // Judged on the UDF written with byte-level string kernels, as issue 3 states the goal;
  // ipToProvince (a range-table lookup whose row twin is as cheap as V8's string code makes it)
  // is shown beside it.
  const strings = cases('string');
  out.push(
    combine(
      'string-20x',
      'Function level, string (byte-level kernels): vectorized over row-wise',
      '≥ 20×',
      (strings.length ? strings : [BYTE_KERNEL_STRING_CASE]).map((c) => ({
        label: c,
        value: speedup('string', c),
        ok: (v) => v >= 20,
        show: x,
        judged: c === BYTE_KERNEL_STRING_CASE,
      })),
    ),
  );
  const nb = referenceBatch(ms, 'numeric');
  out.push(
    combine(
      'hand-loop-1.5x',
      'Function level, numeric: time of the vectorized UDF over the hand-written loop',
      '≤ 1.5×',
      (numeric.length ? numeric : ['a*2+b']).map((c) => {
        const v = rate(ms, 'numeric', c, 'vectorized', nb);
        const l = rate(ms, 'numeric', c, 'limit', nb);
        return {
          label: c,
          value: v && l ? l / v : undefined,
          ok: (t: number) => t <= 1.5,
          show: (t: number) => `${t.toFixed(2)}×`,
        };
      }),
    ),
  );
  // End to end: the cheap numeric UDF at 10k-row batches on the first thread count measured.
  const e2eThreads = ms.find((m) => m.suite === 'e2e')?.threads;
  const eb = referenceBatch(ms, 'e2e');
  const e2eShare = (c: string) => {
    const v = rate(ms, 'e2e', c, 'vectorized', eb, e2eThreads);
    const l = rate(ms, 'e2e', c, 'limit', eb, e2eThreads);
    return v && l ? v / l : undefined;
  };
  out.push(
    combine(
      'e2e-80pct',
      `End to end, a+b at ${eb?.toLocaleString('en') ?? '10,000'}-row batches: vectorized throughput over raw gRPC of the same bytes`,
      '≥ 80%',
      [{ label: 'a+b', value: e2eShare('a+b'), ok: (v) => v >= 0.8, show: pct }],
    ),
  );
  out.push(
    combine('async-50x', 'Async lookup: once per batch over once per row', '≥ 50×', [
      { label: 'ip lookup', value: speedup('async', 'ip lookup'), ok: (v) => v >= 50, show: x },
    ]),
  );
  out.push(
    combine(
      'pandas',
      "Numeric: vecudf's vectorized UDF over pandas' vectorized Series (same op, both given the same batches, as a PyFlink Pandas UDF is)",
      '> 1×',
      (numeric.length ? numeric : ['a*2+b']).map((c) => {
        const v = rate(ms, 'numeric', c, 'vectorized', nb);
        const p = rate(ms, 'numeric', c, 'pandas-batched');
        return { label: c, value: v && p ? v / p : undefined, ok: (t: number) => t > 1, show: x };
      }),
    ),
  );
  return out;
}
