/**
 * The report's charts, drawn from a run's measurements with the SVG writer (svg.ts): throughput
 * vs batch size per function-level suite and per end-to-end UDF, and speed-up bars (vectorized
 * over row-wise, vecudf over each peer). Returns file name → SVG text; nothing is drawn for
 * figures that were not measured.
 *
 * @example
 * for (const [file, svg] of Object.entries(charts(results))) writeFileSync(join(dir, file), svg);
 */
import { rate, referenceBatch, vectorizedBesideRow } from './goals.js';
import type { BenchResults, Measurement } from './results.js';
import { type Bar, barChart, type LineSeries, lineChart, PALETTE } from './svg.js';

/** A file-name-safe form of a case name: `a*2+b` → `a-2-b`. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const MODE_COLOR: Record<string, string> = {
  vectorized: PALETTE[0]!,
  row: PALETTE[1]!,
  limit: PALETTE[6]!,
  pandas: PALETTE[2]!,
  danfo: PALETTE[3]!,
  arquero: PALETTE[4]!,
};

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Function-level suites: one line per (case, mode) over the batch sizes. */
function suiteChart(suite: string, ms: readonly Measurement[]): string | undefined {
  const rows = ms.filter((m) => m.suite === suite && ['vectorized', 'row', 'limit'].includes(m.mode));
  const sizes = unique(rows.map((m) => m.batchSize));
  if (sizes.length < 2) return undefined;
  const cases = unique(rows.map((m) => m.case));
  const series: LineSeries[] = [];
  cases.forEach((c, k) => {
    for (const mode of ['vectorized', 'row', 'limit']) {
      const pts = rows
        .filter((m) => m.case === c && m.mode === mode)
        .map((m) => ({ x: m.batchSize, y: m.rowsPerSec }));
      if (pts.length === 0) continue;
      series.push({
        name: `${cases.length > 1 ? `${c}: ` : ''}${mode === 'limit' ? 'hand loop' : mode}`,
        points: pts,
        dashed: mode === 'limit' || k > 0,
        color: MODE_COLOR[mode]!,
      });
    }
  });
  return lineChart({
    title: `${suite}: rows/s vs batch size (in process)`,
    xLabel: 'rows per batch',
    yLabel: 'rows per second',
    series,
    logX: true,
    logY: true,
  });
}

/** End to end, one UDF: raw gRPC, vectorized and row per thread count over the batch sizes. */
function e2eChart(kase: string, ms: readonly Measurement[]): string | undefined {
  const rows = ms.filter((m) => m.suite === 'e2e' && m.case === kase);
  if (unique(rows.map((m) => m.batchSize)).length < 2) return undefined;
  const threads = unique(rows.map((m) => m.threads)).sort((a, b) => a - b);
  const series: LineSeries[] = [];
  const firstT = threads[0];
  for (const mode of ['limit', 'vectorized', 'row']) {
    threads.forEach((t, k) => {
      // the raw loopback does not depend on threads: draw it once
      if (mode === 'limit' && t !== firstT) return;
      const pts = rows
        .filter((m) => m.mode === mode && m.threads === t)
        .map((m) => ({ x: m.batchSize, y: m.rowsPerSec }));
      if (pts.length === 0) return;
      series.push({
        name: mode === 'limit' ? 'raw gRPC (limit)' : `${mode}, ${t} thread${t === 1 ? '' : 's'}`,
        points: pts,
        dashed: mode === 'limit' || k > 0,
        color: MODE_COLOR[mode]!,
      });
    });
  }
  return lineChart({
    title: `end to end, ${kase}: rows/s vs batch size`,
    xLabel: 'rows per batch',
    yLabel: 'rows per second',
    series,
    logX: true,
    logY: true,
  });
}

/** Vectorized over row-wise at the reference batch size, every suite and case. */
function speedupChart(ms: readonly Measurement[]): string | undefined {
  const bars: Bar[] = [];
  for (const suite of unique(ms.map((m) => m.suite))) {
    const bs = referenceBatch(ms, suite);
    const threads = ms.find((m) => m.suite === suite)?.threads;
    for (const c of unique(
      ms.filter((m) => m.suite === suite && m.mode === 'vectorized').map((m) => m.case),
    )) {
      const v = vectorizedBesideRow(ms, suite, c, bs, threads);
      const r = rate(ms, suite, c, 'row', bs, threads);
      if (v === undefined || r === undefined) continue;
      bars.push({
        label: `${suite === 'e2e' ? 'end to end' : suite}: ${c}`,
        value: v / r,
        color: suite === 'e2e' ? PALETTE[2]! : PALETTE[0]!,
      });
    }
  }
  if (bars.length === 0) return undefined;
  return barChart({
    title: 'Speed-up: vectorized over row-wise (same run, same data)',
    bars,
    unit: '×',
    log: true,
    references: [
      { value: 10, label: '10×' },
      { value: 20, label: '20×' },
      { value: 50, label: '50×' },
    ],
    caption:
      'Blue: in-process executors; green: end to end through gRPC and the worker process. 10,000-row batches.',
  });
}

/** vecudf's vectorized UDF over each peer (above 1×: vecudf is faster). */
function peersChart(ms: readonly Measurement[]): string | undefined {
  const bars: Bar[] = [];
  const peers = ['pandas', 'pandas-batched', 'pandas-loop', 'pandas-apply', 'danfo', 'arquero'];
  for (const m of ms) {
    if (!peers.includes(m.mode)) continue;
    const v = rate(ms, m.suite, m.case, 'vectorized', referenceBatch(ms, m.suite));
    if (v === undefined) continue;
    bars.push({
      label: `${m.case} vs ${m.mode}`,
      value: v / m.rowsPerSec,
      color: MODE_COLOR[m.mode.split('-')[0]!] ?? PALETTE[5]!,
    });
  }
  if (bars.length === 0) return undefined;
  return barChart({
    title: 'vecudf vectorized over the peers (rows/s ratio)',
    bars,
    unit: '×',
    log: true,
    references: [{ value: 1, label: 'same speed' }],
    caption: 'Above 1×: vecudf is faster. Peers work on whole columns; vecudf in 10,000-row batches.',
  });
}

export function charts(r: Pick<BenchResults, 'measurements'>): Record<string, string> {
  const ms = r.measurements;
  const out: Record<string, string> = {};
  const s = speedupChart(ms);
  if (s) out['speedup.svg'] = s;
  const p = peersChart(ms);
  if (p) out['peers.svg'] = p;
  for (const suite of unique(ms.filter((m) => m.level === 'function').map((m) => m.suite))) {
    const svg = suiteChart(suite, ms);
    if (svg) out[`batch-${slug(suite)}.svg`] = svg;
  }
  for (const c of unique(ms.filter((m) => m.suite === 'e2e').map((m) => m.case))) {
    const svg = e2eChart(c, ms);
    if (svg) out[`e2e-${slug(c)}.svg`] = svg;
  }
  return out;
}
