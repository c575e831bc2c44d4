/**
 * A small SVG chart writer for the benchmark report: line charts (throughput vs batch size) and
 * horizontal bar charts (speed-ups), as standalone SVG text that browsers and GitHub render
 * (xmlns set, no scripts, no external fonts or styles, a white background so that dark themes
 * keep the text readable). Axes can be logarithmic, since throughputs span orders of magnitude.
 *
 * @example
 * const svg = lineChart({
 *   title: 'plus: rows/s vs batch size', xLabel: 'rows per batch', yLabel: 'rows/s', logX: true, logY: true,
 *   series: [{ name: 'vectorized', points: [{ x: 1000, y: 2e7 }, { x: 10000, y: 9e7 }] }],
 * });
 * writeFileSync('plus.svg', svg);
 */

/** Okabe–Ito colours: distinguishable with the common forms of colour blindness. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

/** Text made safe for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number with an SI suffix and about three significant digits: 1234567 → "1.23M", 0.5 → "0.5". */
export function formatSI(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) {
    if (a >= scale) return `${trim(v / scale)}${suffix}`;
  }
  return trim(v);
}

function trim(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

/** Tick values for a linear axis over [min, max]: multiples of 1, 2 or 5 × 10^k, about `count` of them. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}

/** Tick values for a log axis over [min, max] (both > 0): the powers of ten inside, plus 2× and 5× when few. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const decades: number[] = [];
  for (let k = lo; k <= hi; k++) decades.push(10 ** k);
  const inside = (t: number) => t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9);
  let ticks = decades.filter(inside);
  if (ticks.length < 3) {
    ticks = decades.flatMap((d) => [d, 2 * d, 5 * d]).filter(inside);
  }
  return ticks;
}

/** A scale from data to pixels; log scales need positive domains. */
interface Scale {
  (v: number): number;
  ticks: number[];
}

function makeScale(min: number, max: number, from: number, to: number, log: boolean): Scale {
  if (log) {
    // Widen to whole decades so that the ends get labelled ticks.
    const lo = 10 ** Math.floor(Math.log10(min));
    const hi = 10 ** Math.ceil(Math.log10(max));
    const span = Math.log10(hi) - Math.log10(lo) || 1;
    const f = ((v: number) => from + ((Math.log10(v) - Math.log10(lo)) / span) * (to - from)) as Scale;
    f.ticks = logTicks(lo, hi);
    return f;
  }
  const ticks = linearTicks(min, max);
  const lo = Math.min(min, ticks[0]!);
  const hi = Math.max(max, ticks[ticks.length - 1]!);
  const span = hi - lo || 1;
  const f = ((v: number) => from + ((v - lo) / span) * (to - from)) as Scale;
  f.ticks = ticks;
  return f;
}

function extent(values: number[], log: boolean): [number, number] {
  const xs = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (xs.length === 0) return log ? [1, 10] : [0, 1];
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (lo === hi) {
    if (log) {
      lo /= 2;
      hi *= 2;
    } else {
      lo -= Math.abs(lo) / 2 || 1;
      hi += Math.abs(hi) / 2 || 1;
    }
  }
  return [lo, hi];
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function open(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ${FONT} font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(title)}</text>`,
  ];
}

const r1 = (v: number) => Math.round(v * 10) / 10;

export interface LinePoint {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
  /** Drawn dashed (e.g. a limit). */
  dashed?: boolean;
  /** Colour (default: the palette, in order). */
  color?: string;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Labels of the x ticks (default: SI numbers). */
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
}

/** A line chart with markers, axes, grid and a legend on the right. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 400;
  const legendWidth = 190;
  const m = { left: 70, right: legendWidth + 20, top: 40, bottom: 52 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const [x0, x1] = extent(
    spec.series.flatMap((s) => s.points.map((p) => p.x)),
    spec.logX ?? false,
  );
  const [y0, y1] = extent(
    spec.series.flatMap((s) => s.points.map((p) => p.y)),
    spec.logY ?? false,
  );
  const fx = makeScale(x0, x1, m.left, m.left + plotW, spec.logX ?? false);
  const fy = makeScale(spec.logY ? y0 : Math.min(0, y0), y1, m.top + plotH, m.top, spec.logY ?? false);
  const formatX = spec.formatX ?? formatSI;
  const formatY = spec.formatY ?? formatSI;
  const out = open(width, height, spec.title);

  // grid and ticks
  for (const t of fy.ticks) {
    const y = r1(fy(t));
    out.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="#e3e3e3"/>`,
      `<text x="${m.left - 6}" y="${y + 4}" text-anchor="end" fill="#444">${escapeXml(formatY(t))}</text>`,
    );
  }
  for (const t of fx.ticks) {
    const x = r1(fx(t));
    out.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + plotH}" stroke="#efefef"/>`,
      `<text x="${x}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#444">${escapeXml(formatX(t))}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle" fill="#222">${escapeXml(spec.xLabel)}</text>`,
    `<text x="16" y="${m.top + plotH / 2}" text-anchor="middle" fill="#222" transform="rotate(-90 16 ${m.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`,
  );

  // series
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points
      .filter((p) => (!spec.logX || p.x > 0) && (!spec.logY || p.y > 0))
      .sort((a, b) => a.x - b.x)
      .map((p) => [r1(fx(p.x)), r1(fy(p.y))] as const);
    if (pts.length > 1) {
      out.push(
        `<polyline points="${pts.map(([x, y]) => `${x},${y}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    for (const [x, y] of pts) out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${color}"/>`);
    // legend entry
    const ly = m.top + 8 + i * 20;
    const lx = width - legendWidth - 6;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<circle cx="${lx + 11}" cy="${ly}" r="3.5" fill="${color}"/>`,
      `<text x="${lx + 28}" y="${ly + 4}" fill="#222">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export interface Bar {
  label: string;
  value: number;
  /** Text after the value (default: the value with `unit`). */
  note?: string;
  color?: string;
}

export interface BarChartSpec {
  title: string;
  bars: Bar[];
  /** Appended to values in labels (e.g. "×"). */
  unit?: string;
  /** Logarithmic value axis (bars then start at the smallest decade). */
  log?: boolean;
  /** Vertical reference lines, e.g. a goal. */
  references?: { value: number; label: string }[];
  /** Where bars start (default 0, or 1 on a log axis: ratios below 1 point left). */
  base?: number;
  /** Caption under the chart. */
  caption?: string;
  width?: number;
}

/** Horizontal bars, one per entry, labelled on the left, value at the end of each bar. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 760;
  const barH = 18;
  const gap = 8;
  const labelW = Math.min(330, Math.max(80, ...spec.bars.map((b) => b.label.length * 6.6)));
  const m = {
    left: labelW + 16,
    right: 110,
    top: spec.references?.length ? 56 : 40,
    bottom: spec.caption ? 60 : 40,
  };
  const plotH = Math.max(1, spec.bars.length) * (barH + gap);
  const height = m.top + plotH + m.bottom;
  const plotW = width - m.left - m.right;
  const log = spec.log ?? false;
  const values = [...spec.bars.map((b) => b.value), ...(spec.references ?? []).map((r) => r.value)];
  const [v0, v1] = extent(values, log);
  const f = makeScale(
    log ? Math.min(v0, 1) : Math.min(0, v0),
    log ? Math.max(v1, 1) : v1,
    m.left,
    m.left + plotW,
    log,
  );
  // Bars grow from 0 on a linear axis and from 1 on a log axis (a ratio below 1 points left).
  const base = r1(f(spec.base ?? (log ? 1 : 0)));
  const out = open(width, height, spec.title);
  for (const t of f.ticks) {
    const x = r1(f(t));
    out.push(
      `<line x1="${x}" y1="${m.top - 4}" x2="${x}" y2="${m.top + plotH}" stroke="#e8e8e8"/>`,
      `<text x="${x}" y="${m.top + plotH + 16}" text-anchor="middle" fill="#444">${escapeXml(formatSI(t))}${escapeXml(spec.unit ?? '')}</text>`,
    );
  }
  spec.bars.forEach((b, i) => {
    const y = m.top + i * (barH + gap);
    const end = Number.isFinite(b.value) && (!log || b.value > 0) ? r1(f(b.value)) : base;
    const x = Math.min(base, end);
    const w = Math.max(1, Math.abs(end - base));
    const color = b.color ?? PALETTE[0]!;
    out.push(
      `<text x="${m.left - 8}" y="${y + barH / 2 + 4}" text-anchor="end" fill="#222">${escapeXml(b.label)}</text>`,
      `<rect x="${x}" y="${y}" width="${w}" height="${barH}" fill="${color}"/>`,
      `<text x="${Math.max(end, base) + 5}" y="${y + barH / 2 + 4}" fill="#222">${escapeXml(b.note ?? `${formatSI(b.value)}${spec.unit ?? ''}`)}</text>`,
    );
  });
  for (const ref of spec.references ?? []) {
    if (log && ref.value <= 0) continue;
    const x = r1(f(ref.value));
    out.push(
      `<line x1="${x}" y1="${m.top - 6}" x2="${x}" y2="${m.top + plotH}" stroke="#c00" stroke-width="1.5" stroke-dasharray="4 3"/>`,
      `<text x="${x}" y="${m.top - 9}" text-anchor="middle" font-size="11" fill="#c00">${escapeXml(ref.label)}</text>`,
    );
  }
  out.push(`<line x1="${base}" y1="${m.top - 4}" x2="${base}" y2="${m.top + plotH}" stroke="#666"/>`);
  if (spec.caption) {
    out.push(
      `<text x="${width / 2}" y="${height - 14}" text-anchor="middle" font-size="11" fill="#555">${escapeXml(spec.caption)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
