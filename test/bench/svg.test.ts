/**
 * The report's SVG writer: number formatting, axis ticks, and charts that are well-formed XML,
 * keep every mark inside the picture, escape text, and put data where the scales say.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, formatSI, linearTicks, lineChart, logTicks } from '../../bench/lib/svg.js';

/** Checks that tags nest and close properly (no attribute parsing beyond what the writer emits). */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, attrs, selfClose] = m;
    expect(attrs).not.toMatch(/[<&](?!amp;|lt;|gt;|quot;|#39;)/);
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name!);
  }
  expect(stack).toEqual([]);
  // text between tags has no raw markup characters
  for (const m of svg.matchAll(/>([^<]*)</g)) expect(m[1]).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
}

function numbersOf(svg: string, attr: string): number[] {
  return [...svg.matchAll(new RegExp(` ${attr}="(-?[0-9.]+)"`, 'g'))].map((m) => Number(m[1]));
}

describe('formatting and ticks', () => {
  it('formats with SI suffixes and about three significant digits', () => {
    expect(formatSI(1_234_567)).toBe('1.23M');
    expect(formatSI(45_600)).toBe('45.6k');
    expect(formatSI(999)).toBe('999');
    expect(formatSI(2e9)).toBe('2G');
    expect(formatSI(0.5)).toBe('0.5');
    expect(formatSI(12.345)).toBe('12.3');
  });

  it('escapes XML text', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;');
  });

  it('gives linear ticks of 1, 2 or 5 × 10^k inside the range', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        (lo, span) => {
          const ticks = linearTicks(lo, lo + span);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          const step = ticks[1]! - ticks[0]!;
          const mant = step / 10 ** Math.floor(Math.log10(step));
          expect([1, 2, 5, 10].some((m) => Math.abs(mant - m) < 1e-6)).toBe(true);
          for (const t of ticks) {
            expect(t).toBeGreaterThanOrEqual(lo - step * 1e-6);
            expect(t).toBeLessThanOrEqual(lo + span + step * 1e-6);
          }
        },
      ),
    );
  });

  it('gives log ticks at decades (and 2×, 5× when there are few)', () => {
    expect(logTicks(1, 1e6)).toEqual([1, 10, 100, 1000, 10_000, 100_000, 1_000_000]);
    expect(logTicks(10, 100)).toEqual([10, 20, 50, 100]);
  });
});

describe('lineChart', () => {
  const spec = {
    title: 'plus <fast> & "row"',
    xLabel: 'rows per batch',
    yLabel: 'rows/s',
    logX: true,
    logY: true,
    series: [
      {
        name: 'vectorized',
        points: [
          { x: 1000, y: 2e7 },
          { x: 10_000, y: 2e8 },
          { x: 100_000, y: 3e8 },
        ],
      },
      {
        name: 'row <baseline>',
        dashed: true,
        points: [
          { x: 1000, y: 1e7 },
          { x: 100_000, y: 1.2e7 },
        ],
      },
    ],
  };

  it('is well-formed SVG with the title, labels and legend escaped', () => {
    const svg = lineChart(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    expect(svg).toContain('plus &lt;fast&gt; &amp; &quot;row&quot;');
    expect(svg).toContain('row &lt;baseline&gt;');
    expect(svg).toContain('stroke-dasharray');
  });

  it('draws one marker per point plus one per legend entry, higher values higher up', () => {
    const svg = lineChart(spec);
    const ys = numbersOf(svg, 'cy');
    expect(ys).toHaveLength(5 + 2);
    // the first series' markers: y grows with the value, so the pixel y shrinks
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
    expect(ys[1]!).toBeGreaterThan(ys[2]!);
    // x on a log axis: 1k → 10k → 100k are evenly spaced
    const xs = numbersOf(svg, 'cx').slice(0, 3);
    expect(Math.abs(xs[1]! - xs[0]! - (xs[2]! - xs[1]!))).toBeLessThan(0.5);
  });

  it('keeps every mark inside the picture for any data', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({
              x: fc.double({ min: 1, max: 1e7, noNaN: true }),
              y: fc.double({ min: 1e-3, max: 1e10, noNaN: true }),
            }),
            {
              minLength: 1,
              maxLength: 6,
            },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        fc.boolean(),
        (series, log) => {
          const svg = lineChart({
            title: 't',
            xLabel: 'x',
            yLabel: 'y',
            logX: log,
            logY: log,
            width: 600,
            height: 300,
            series: series.map((points, i) => ({ name: `s${i}`, points })),
          });
          assertWellFormed(svg);
          for (const x of numbersOf(svg, 'cx')) expect(x >= 0 && x <= 600).toBe(true);
          for (const y of numbersOf(svg, 'cy')) expect(y >= 0 && y <= 300).toBe(true);
          expect(svg).not.toContain('NaN');
          expect(svg).not.toContain('Infinity');
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('barChart', () => {
  it('draws one bar per entry, longer for larger values, with reference lines', () => {
    const svg = barChart({
      title: 'speed-up',
      unit: '×',
      log: true,
      bars: [
        { label: 'numeric: a+b', value: 12 },
        { label: 'string: ip', value: 4 },
        { label: 'async', value: 80 },
      ],
      references: [{ value: 10, label: 'goal 10×' }],
    });
    assertWellFormed(svg);
    const widths = numbersOf(svg, 'width').slice(2); // after the <svg> and background <rect>
    expect(widths).toHaveLength(3);
    expect(widths[2]!).toBeGreaterThan(widths[0]!);
    expect(widths[0]!).toBeGreaterThan(widths[1]!);
    expect(svg).toContain('goal 10×');
    expect(svg).toContain('12×');
  });

  it('on a log axis, grows bars from 1×: a ratio below 1 points left', () => {
    const svg = barChart({
      title: 't',
      log: true,
      bars: [
        { label: 'faster', value: 4 },
        { label: 'slower', value: 0.25 },
      ],
    });
    const rects = [...svg.matchAll(/<rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    const [[fx, fw], [sx, sw]] = rects.slice(1) as [[number, number], [number, number]];
    // both bars start or end at the same x (the 1× line), on opposite sides, equally long
    expect(sx + sw).toBeCloseTo(fx, 0);
    expect(Math.abs(sw - fw)).toBeLessThan(1);
  });

  it('handles zero, negative and linear values without leaving the picture', () => {
    const svg = barChart({
      title: 't',
      width: 500,
      bars: [
        { label: 'a', value: 0 },
        { label: 'b', value: -3 },
        { label: 'c', value: 7 },
      ],
    });
    assertWellFormed(svg);
    for (const x of numbersOf(svg, 'x')) expect(x >= 0 && x <= 500).toBe(true);
    expect(svg).not.toContain('NaN');
  });
});
