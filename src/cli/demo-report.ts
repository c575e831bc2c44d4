/**
 * What the CDN demo prints: the statistic as an aligned text table (CJK province names count two
 * columns each, as terminals draw them), durations and counts, and the checks that compare two
 * statistic tables (the printed one and the database's, the vectorized and the row-wise one).
 *
 * @example
 * console.log(formatStatisticTable(agg.rows()));
 * // province │ access_count │ total_download │ download_speed
 * // ─────────┼──────────────┼────────────────┼───────────────
 * // 广东     │      241,128 │  395,701,249,433 │     10,994.98
 */
import type { ProvinceStatistic } from '../../examples/cdn/aggregate.js';

/** Terminal columns taken by a string: East Asian wide and full-width characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return right ? fill + s : s + fill;
}

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const speedFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** An integer with thousands separators: `1,000,000`. */
export function formatCount(n: number | bigint): string {
  return intFormat.format(n);
}

/** Milliseconds as seconds with two decimals: `1.23 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Rows per second, to three significant digits: `2.58M rows/s`, `712k rows/s`, `5,312 rows/s`. */
export function formatRate(rows: number, ms: number): string {
  if (ms <= 0) return '– rows/s';
  const perSecond = (rows / ms) * 1000;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)}M rows/s`;
  if (perSecond >= 1e4) return `${Math.round(perSecond / 1000)}k rows/s`;
  return `${formatCount(Math.round(perSecond))} rows/s`;
}

/**
 * The statistic as an aligned table: province, access_count, total_download (bytes),
 * download_speed (bytes per ms of request time, two decimals), in the given order.
 */
export function formatStatisticTable(rows: readonly ProvinceStatistic[]): string {
  const header = ['province', 'access_count', 'total_download', 'download_speed'];
  const right = [false, true, true, true];
  const cells = rows.map((r) => [
    r.province ?? 'NULL',
    formatCount(r.access_count),
    r.total_download === null ? 'NULL' : formatCount(r.total_download),
    r.download_speed === null ? 'NULL' : speedFormat.format(r.download_speed),
  ]);
  const widths = header.map((h, c) =>
    Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[c]!))),
  );
  const line = (parts: string[]) => parts.map((p, c) => pad(p, widths[c]!, right[c]!)).join(' │ ');
  return [
    line(header),
    widths.map((w) => '─'.repeat(w)).join('─┼─'),
    ...cells.map(line),
    `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`,
  ].join('\n');
}

/** The sum of access_count over the table. */
export function totalAccessCount(rows: readonly ProvinceStatistic[]): bigint {
  let sum = 0n;
  for (const r of rows) sum += r.access_count;
  return sum;
}

/**
 * The first difference between two statistic tables compared as sets keyed by province (exact:
 * counts and sums as integers, speeds as the same doubles), or undefined when they are equal.
 */
export function statisticDifference(
  a: readonly ProvinceStatistic[],
  b: readonly ProvinceStatistic[],
  names: [string, string],
): string | undefined {
  const key = (p: string | null) => (p === null ? '\u0000NULL' : p);
  const byProvince = new Map(b.map((r) => [key(r.province), r]));
  if (byProvince.size !== b.length) return `${names[1]} has a province twice`;
  if (a.length !== b.length) return `${names[0]} has ${a.length} provinces, ${names[1]} ${b.length}`;
  for (const r of a) {
    const o = byProvince.get(key(r.province));
    const what = `province ${r.province ?? 'NULL'}`;
    if (!o) return `${what} is in ${names[0]} but not in ${names[1]}`;
    for (const f of ['access_count', 'total_download', 'download_speed'] as const) {
      if (!Object.is(r[f], o[f])) {
        return `${what}: ${f} is ${String(r[f])} in ${names[0]}, ${String(o[f])} in ${names[1]}`;
      }
    }
  }
  return undefined;
}
