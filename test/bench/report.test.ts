/**
 * The report generator on a small hand-made results array: ratios and goal statuses computed from
 * the measurements, every section present, the hand-written intro kept across rewrites, charts
 * and results.json written, stale charts removed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { charts } from '../../bench/lib/charts.js';
import { evaluateGoals } from '../../bench/lib/goals.js';
import { DEFAULT_INTRO, MARKER, renderReport, writeReport } from '../../bench/lib/report.js';
import type { BenchResults, Measurement } from '../../bench/lib/results.js';

function m(
  suite: string,
  kase: string,
  mode: string,
  rowsPerSec: number,
  batchSize = 10_000,
  extra: Partial<Measurement> = {},
): Measurement {
  const rows = 1_000_000;
  return {
    suite,
    level: suite === 'e2e' ? 'e2e' : 'function',
    case: kase,
    mode,
    batchSize,
    threads: suite === 'e2e' ? 1 : 0,
    rows,
    ms: (rows / rowsPerSec) * 1000,
    rowsPerSec,
    ...extra,
  };
}

const STAGES = {
  elapsedMs: 50,
  cutMs: 1,
  encodeMs: 2,
  sendMs: 0.5,
  waitMs: 45,
  decodeMs: 2,
  joinMs: 0.2,
  udfMs: 5,
  transportMs: 40,
  bytesSent: 16e6,
  bytesReceived: 8e6,
};

function fake(): BenchResults {
  return {
    version: 1,
    date: '2026-11-25T12:00:00.000Z',
    durationMs: 42_000,
    quick: true,
    options: { rows: 1_000_000, batchSizes: [1000, 10_000] },
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      node: 'v20.0.0',
      platform: 'linux',
      arch: 'x64',
      totalMemGiB: 8,
      freeMemGiB: 4,
      loadAvgStart: [1, 1, 1],
      loadAvgEnd: [2, 2, 2],
      python: 'pandas 2.2.0, numpy 2.0.0 (python3)',
    },
    suites: [{ name: 'numeric', level: 'function', title: 'Numeric', description: 'Two DOUBLE columns.' }],
    measurements: [
      m('numeric', 'a*2+b', 'vectorized', 300e6),
      m('numeric', 'a*2+b', 'row', 20e6),
      m('numeric', 'a*2+b', 'limit', 400e6),
      m('numeric', 'a*2+b', 'vectorized', 60e6, 1000),
      m('numeric', 'a*2+b', 'row', 18e6, 1000),
      m('numeric', 'a*2+b', 'limit', 200e6, 1000),
      m('numeric', 'a*2+b', 'pandas', 500e6, 1_000_000),
      m('numeric', 'a*2+b', 'pandas-batched', 250e6, 10_000),
      m('numeric', 'a*2+b', 'arquero', 30e6, 1_000_000, { note: 'arquero caveat' }),
      m('string', 'lower+contains', 'vectorized', 40e6),
      m('string', 'lower+contains', 'row', 4e6),
      m('string', 'lower+contains', 'limit', 48e6),
      m('async', 'ip lookup', 'vectorized', 1e6),
      m('async', 'ip lookup', 'row', 5e3, 10_000, { rows: 1000 }),
      m('e2e', 'a+b', 'limit', 20e6, 10_000),
      m('e2e', 'a+b', 'vectorized', 17e6, 10_000, { stages: STAGES, mbPerSec: 400 }),
      m('e2e', 'a+b', 'row', 5e6, 10_000, { stages: { ...STAGES, elapsedMs: 200 } }),
      m('e2e', 'a+b', 'limit', 10e6, 1000),
      m('e2e', 'a+b', 'vectorized', 4e6, 1000),
      m('e2e', 'a+b', 'row', 3e6, 1000),
    ],
    skipped: [{ suite: 'numeric', case: 'a*2+b', mode: 'danfo', reason: 'danfojs-node is not installed' }],
    notes: ['e2e: worker asked for 1 thread(s) reported 1 executor thread(s)'],
    profiles: [
      {
        label: 'string / lower+contains, vectorized',
        scope: 'in-process',
        suite: 'string',
        case: 'lower+contains',
        mode: 'vectorized',
        totalMs: 200,
        categories: {},
        top: [{ fn: 'strSearch kernels/string.js:204', ms: 150 }],
      },
      {
        label: 'string / lower+contains, row',
        scope: 'in-process',
        suite: 'string',
        case: 'lower+contains',
        mode: 'row',
        totalMs: 400,
        categories: {},
        top: [{ fn: 'utf8Slice', ms: 100 }],
      },
      {
        label: 'worker process, vectorized a+b',
        totalMs: 100,
        categories: { idle: 40, 'garbage collection': 30, 'gRPC (grpc-js, HTTP/2)': 30 },
        top: [{ fn: '(garbage collector)', ms: 30 }],
      },
    ],
  };
}

describe('goals', () => {
  it('computes each goal from the measurements at the reference batch size', () => {
    const goals = Object.fromEntries(evaluateGoals(fake()).map((g) => [g.id, g]));
    expect(goals['numeric-10x']).toMatchObject({ status: 'met', measured: 'a*2+b 15.0×' });
    expect(goals['string-20x']).toMatchObject({ status: 'missed', measured: 'lower+contains 10.0×' });
    // ipToProvince (a range-table lookup) is shown beside the byte-kernel case but not judged
    const r = fake();
    r.measurements.push(
      m('string', 'ipToProvince', 'vectorized', 10e6),
      m('string', 'ipToProvince', 'row', 2e6),
    );
    const met = r.measurements.map((x) =>
      x.case === 'lower+contains' && x.mode === 'vectorized' ? { ...x, rowsPerSec: 100e6 } : x,
    );
    const withIp = Object.fromEntries(evaluateGoals({ measurements: met }).map((g) => [g.id, g]));
    expect(withIp['string-20x']).toMatchObject({
      status: 'met',
      measured: 'lower+contains 25.0×, ipToProvince 5.0× (not judged)',
    });
    expect(goals['hand-loop-1.5x']).toMatchObject({ status: 'met', measured: 'a*2+b 1.33×' });
    expect(goals['e2e-80pct']).toMatchObject({ status: 'met', measured: 'a+b 85%' });
    expect(goals['async-50x']).toMatchObject({ status: 'met', measured: 'ip lookup 200×' });
    expect(goals.pandas).toMatchObject({ status: 'met', measured: 'a*2+b 1.2×' });
  });

  it('says "not measured" rather than guessing when figures are missing', () => {
    const r = fake();
    r.measurements = r.measurements.filter((x) => !x.mode.startsWith('pandas') && x.suite !== 'e2e');
    const goals = Object.fromEntries(evaluateGoals(r).map((g) => [g.id, g]));
    expect(goals.pandas!.status).toBe('not measured');
    expect(goals['e2e-80pct']!.status).toBe('not measured');
  });
});

describe('renderReport', () => {
  const md = renderReport(fake());

  it('starts with the intro, then the marker, then the generated sections', () => {
    expect(md.startsWith(DEFAULT_INTRO.trimEnd())).toBe(true);
    const at = md.indexOf(MARKER);
    expect(at).toBeGreaterThan(0);
    for (const h of [
      '## Latest run',
      '## Goals',
      '## Function level',
      '## Against the peers',
      '## Throughput vs batch size',
      '## End to end',
      '### Where the time goes',
      "### Where the worker's CPU goes",
      '## Skipped cases and notes',
    ]) {
      expect(md.indexOf(h)).toBeGreaterThan(at);
    }
  });

  it('prints ratios computed from the measurements', () => {
    // numeric a*2+b at 10k: 300M / 20M = 15×, 300M / 400M = 75% of the limit
    expect(md).toMatch(/\| numeric \| a\*2\+b \| 10,000 \| 300M \| 20M \| 15\.0× \| 400M \| 75% \|/);
    // vs pandas, batched as vecudf is: 300M / 250M; on the whole column: 300M / 500M
    expect(md).toContain('250M (1.20×)');
    expect(md).toContain('500M (0.60×)');
    // end to end: 17M of 20M raw = 85%, 17M / 5M = 3.40×
    expect(md).toMatch(/\| a\+b \| 10,000 \| 1 \| 20M \| 17M \(400 MB\/s\) \| 85% \| 5M \| 3\.40× \|/);
    // the bounded per-row case says how many rows it ran on
    expect(md).toContain('5k (1,000 rows)');
    // machine and load
    expect(md).toContain('2 × Test CPU');
    expect(md).toContain('1.00 / 1.00 / 1.00 at the start');
  });

  it('lists skipped cases with their reason, notes and peer caveats', () => {
    expect(md).toContain('numeric / a*2+b / danfo: skipped — danfojs-node is not installed');
    expect(md).toContain('reported 1 executor thread(s)');
    expect(md).toContain('arquero (numeric / a*2+b): arquero caveat');
  });

  it("says why a missed goal is missed, from the run's figures", () => {
    expect(md).toContain(
      '- **Function level, string (byte-level kernels): vectorized over row-wise** (lower+contains 10.0×; target ≥ 20×): lower+contains runs at 83% of its hand-written loop, and even that loop is only 12× the row path. lower+contains: vectorized time goes to `strSearch` 75%; row time to `utf8Slice` 25%',
    );
    expect(md).toContain('### Where the time goes in process');
  });

  it('shows the profile by category as a share of busy time', () => {
    expect(md).toMatch(/\| garbage collection \| 30\.0 \| 50% \|/);
  });
});

describe('writeReport', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes the page, results.json and charts; keeps the intro; removes stale charts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vecudf-report-'));
    dirs.push(dir);
    const r = fake();
    writeReport(r, dir);
    const page = join(dir, 'benchmarks.md');
    expect(readFileSync(page, 'utf8').startsWith('# Benchmarks')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'benchmarks', 'results.json'), 'utf8'))).toEqual(r);
    const svgs = readdirSync(join(dir, 'benchmarks')).filter((f) => f.endsWith('.svg'));
    expect(svgs.sort()).toEqual(Object.keys(charts(r)).sort());
    expect(svgs).toEqual(
      expect.arrayContaining(['speedup.svg', 'peers.svg', 'batch-numeric.svg', 'e2e-a-b.svg']),
    );

    // a hand-edited intro survives the next run; the old generated part does not
    const text = readFileSync(page, 'utf8');
    writeFileSync(page, `# My intro\n\nHand-written.\n\n${text.slice(text.indexOf(MARKER))}`);
    writeFileSync(join(dir, 'benchmarks', 'old-chart.svg'), '<svg/>');
    r.measurements = r.measurements.filter((x) => x.suite !== 'e2e');
    writeReport(r, dir);
    const again = readFileSync(page, 'utf8');
    expect(again.startsWith('# My intro\n\nHand-written.\n')).toBe(true);
    expect(again.split(MARKER)).toHaveLength(2);
    expect(again).not.toContain('## End to end');
    expect(existsSync(join(dir, 'benchmarks', 'old-chart.svg'))).toBe(false);
    expect(existsSync(join(dir, 'benchmarks', 'e2e-a-b.svg'))).toBe(false);
  });
});
