/**
 * `vecudf demo` through the built CLI (the command `npm start` runs): a small run in both modes
 * and a run with the lookup service, each checked against the DuckDB file it leaves and against
 * the in-process reference of the same job (`runCdnJobInProcess` on the same seed and rows).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvinceStatistic } from '../../examples/cdn/aggregate.js';
import { runCdnJobInProcess } from '../../examples/cdn/job.js';
import { readStatisticTable } from '../../src/cli/demo.js';
import {
  displayWidth,
  formatRate,
  formatStatisticTable,
  statisticDifference,
  totalAccessCount,
} from '../../src/cli/demo-report.js';
import { builtCli } from '../harness/built-cli.js';

let cli: string[] = [];
let tmp = '';

beforeAll(() => {
  cli = builtCli();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-demo-'));
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function demo(args: string[]) {
  const [cmd, ...prefix] = cli;
  const r = spawnSync(cmd!, [...prefix, 'demo', ...args], { encoding: 'utf8', timeout: 120_000, cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface PrintedRow {
  province: string;
  access_count: bigint;
  total_download: bigint;
  download_speed: string;
}

/** The rows of the printed statistic table. */
function printedTable(stdout: string): PrintedRow[] {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) =>
    /^province +│ access_count │ +total_download │ download_speed$/.test(l),
  );
  expect(head).toBeGreaterThanOrEqual(0);
  expect(lines[head + 1]).toMatch(/^─+┼─+┼─+┼─+$/);
  const rows: PrintedRow[] = [];
  for (let i = head + 2; !lines[i]!.startsWith('('); i++) {
    const [province, count, total, speed] = lines[i]!.split('│').map((s) => s.trim());
    rows.push({
      province: province!,
      access_count: BigInt(count!.replaceAll(',', '')),
      total_download: BigInt(total!.replaceAll(',', '')),
      download_speed: speed!,
    });
  }
  expect(lines[head + 2 + rows.length]).toBe(`(${rows.length} rows)`);
  return rows;
}

/** The statistic as the demo prints it: speeds with two decimals and separators. */
function asPrinted(stats: readonly ProvinceStatistic[]): PrintedRow[] {
  return stats.map((s) => ({
    province: s.province!,
    access_count: s.access_count,
    total_download: s.total_download!,
    download_speed: s.download_speed!.toLocaleString('en-US', {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }),
  }));
}

describe('vecudf demo (built CLI)', () => {
  it('runs both modes through the worker process, prints the table and checks, leaves the DuckDB table', async () => {
    const rows = 50_000;
    const db = path.join(tmp, 'both.duckdb');
    const r = demo(['--rows', String(rows), '--batch-size', '4000', '--bundle-size', '12000', '--db', db]);
    expect(r.stderr).toBe(''); // not a terminal: no progress bars
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`generated 50,000 log rows`);
    expect(out).toMatch(/worker \S+ started in [\d.]+ s \(pid \d+\)/);
    expect(out).toContain('row count check (vectorized): sum(access_count) = 50,000, rows read = 50,000: ok');
    expect(out).toContain('row count check (row-wise): sum(access_count) = 50,000, rows read = 50,000: ok');
    expect(out).toContain('row-wise table = vectorized table: ok');
    expect(out).toContain(`database check (35 rows in ${db}, table cdn_access_statistic): ok`);
    expect(out).toMatch(/\nvectorized +ipToProvince +50,000 +[\d.]+ s +[\d.,]+[kM]? rows\/s +[\d.]+ s\n/);
    expect(out).toMatch(/\nrow-wise +ipToProvinceRow +50,000 +[\d.]+ s +[\d.,]+[kM]? rows\/s +[\d.]+ s\n/);
    expect(out).toMatch(/\nvectorized \/ row-wise: [\d.]+× faster end to end \(UDF step alone: [\d.]+×\)\n$/);

    const printed = printedTable(out);
    const stored = await readStatisticTable(db);
    const reference = await runCdnJobInProcess({ rows, seed: 42 });
    // The database holds exactly the in-process job's statistic (counts, sums, speeds bit for bit).
    expect(statisticDifference(reference.stats, stored, ['in-process', 'database'])).toBeUndefined();
    expect(totalAccessCount(stored)).toBe(BigInt(rows));
    // The printed table is the database's, in access_count order.
    expect(printed).toEqual(asPrinted(stored));
    expect(printed).toEqual(asPrinted(reference.stats));
    expect(printed.map((p) => p.province)).toContain('Unknown'); // malformed and null IPs
  });

  it('runs the async lookup UDFs against the local lookup service (one request per batch vs per row)', async () => {
    const rows = 3_000;
    const db = path.join(tmp, 'lookup.duckdb');
    const r = demo([
      '--rows',
      String(rows),
      '--batch-size',
      '1000',
      '--lookup-service',
      '--quiet',
      '--db',
      db,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('generated'); // --quiet: results only
    expect(r.stdout).toContain('database check (');
    expect(r.stdout).toContain('row-wise table = vectorized table: ok');
    const vec = r.stdout.match(/\nvectorized +ipToProvinceLookup +3,000 .* (\d+) requests\n/);
    const row = r.stdout.match(/\nrow-wise +ipToProvinceLookupRow +3,000 .* ([\d,]+) requests\n/);
    expect(vec).not.toBeNull();
    expect(row).not.toBeNull();
    // Batched: one request per Arrow batch; per row: one per well-formed address.
    expect(Number(vec![1])).toBe(3);
    expect(Number(row![1]!.replaceAll(',', ''))).toBeGreaterThan(2_900);
    const stored = await readStatisticTable(db);
    const reference = await runCdnJobInProcess({ rows, seed: 42 });
    expect(statisticDifference(reference.stats, stored, ['in-process', 'database'])).toBeUndefined();
  });

  it('refuses bad options with a message and exit code 1', () => {
    const r = demo(['--rows', 'many']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--rows must be an integer ≥ 0');
  });
});

describe('demo report', () => {
  const stat = (province: string, n: bigint, total: bigint, speed: number): ProvinceStatistic => ({
    province,
    access_count: n,
    total_download: total,
    download_speed: speed,
  });

  it('formats rates to about three digits', () => {
    expect(formatRate(1_000_000, 387.6)).toBe('2.58M rows/s');
    expect(formatRate(20_000, 243.9)).toBe('82k rows/s');
    expect(formatRate(20_000, 3765)).toBe('5,312 rows/s');
    expect(formatRate(5, 0)).toBe('– rows/s');
  });

  it('counts East Asian wide characters as two columns', () => {
    expect(displayWidth('广东')).toBe(4);
    expect(displayWidth('Unknown')).toBe(7);
    expect(displayWidth('内蒙古 x')).toBe(8);
  });

  it('aligns the table by display width', () => {
    const text = formatStatisticTable([
      stat('黑龙江', 1234567n, 98765432109n, 1234.5),
      stat('Unknown', 5n, 7n, 1.4),
    ]);
    const lines = text.split('\n');
    expect(lines.slice(0, -1).map((l) => displayWidth(l))).toEqual(Array(4).fill(displayWidth(lines[0]!)));
    expect(lines[2]).toBe('黑龙江   │    1,234,567 │ 98,765,432,109 │       1,234.50');
    expect(lines[4]).toBe('(2 rows)');
  });

  it('finds the first difference between two tables, in any row order', () => {
    const a = [stat('广东', 3n, 30n, 1.5), stat('山东', 2n, 20n, 2.5)];
    expect(statisticDifference(a, [...a].reverse(), ['a', 'b'])).toBeUndefined();
    expect(statisticDifference(a, [a[0]!, stat('山东', 2n, 21n, 2.5)], ['a', 'b'])).toBe(
      'province 山东: total_download is 20 in a, 21 in b',
    );
    expect(statisticDifference(a, [a[0]!, stat('山东', 2n, 20n, 2.5000001)], ['a', 'b'])).toMatch(
      /download_speed/,
    );
    expect(statisticDifference(a, [a[0]!], ['a', 'b'])).toBe('a has 2 provinces, b 1');
    expect(statisticDifference(a, [a[0]!, stat('河南', 2n, 20n, 2.5)], ['a', 'b'])).toBe(
      'province 山东 is in a but not in b',
    );
  });
});
