/**
 * `vecudf bench --suite numeric --quick` on tiny data, run from the sources like the CLI runs
 * from dist: it must finish quickly and write results JSON of the documented shape, with every
 * mode measured and a missing Python peer reported as skipped with its reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/lib/results.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'vecudf-bench-smoke-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('vecudf bench', () => {
  it('runs one suite on tiny data and writes the results JSON', () => {
    const out = join(tmp, 'out.json');
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        tsx,
        join(ROOT, 'src/cli/main.ts'),
        'bench',
        '--suite',
        'numeric',
        '--quick',
        '--rows',
        '4000',
        '--batch-sizes',
        '1000,4000',
        '--json',
        out,
        '--no-docs',
        '--no-progress',
        '--python',
        join(tmp, 'no-such-python'),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('vecudf bench:');

    const res = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(res.version).toBe(1);
    expect(res.quick).toBe(true);
    expect(Number.isNaN(Date.parse(res.date))).toBe(false);
    expect(res.machine.cpus).toBeGreaterThan(0);
    expect(res.machine.node).toBe(process.version);
    expect(res.machine.loadAvgStart).toHaveLength(3);
    expect(res.machine.loadAvgEnd).toHaveLength(3);
    expect(res.options).toMatchObject({ suites: ['numeric'], rows: 4000, batchSizes: [1000, 4000] });

    for (const m of res.measurements) {
      expect(m).toMatchObject({ suite: 'numeric', level: 'function', threads: 0 });
      expect(m.rowsPerSec).toBeGreaterThan(0);
      expect(m.ms).toBeGreaterThan(0);
      expect(m.rows).toBeGreaterThan(0);
      expect(Math.abs(m.rowsPerSec - (m.rows / m.ms) * 1000)).toBeLessThan(1e-6 * m.rowsPerSec);
    }
    // vectorized, row and the hand-written limit for each case at each batch size
    for (const kase of ['a+b', 'a*2+b']) {
      for (const batchSize of [1000, 4000]) {
        for (const mode of ['vectorized', 'row', 'limit']) {
          expect(
            res.measurements.filter((m) => m.case === kase && m.mode === mode && m.batchSize === batchSize),
          ).toHaveLength(1);
        }
      }
      // each JS peer is measured or skipped with a reason, never silently absent
      for (const peer of ['danfo', 'arquero']) {
        const measured = res.measurements.some((m) => m.case === kase && m.mode === peer);
        const skipped = res.skipped.some((s) => s.case === kase && s.mode === peer && s.reason.length > 0);
        expect(measured || skipped).toBe(true);
      }
      // the Python given does not exist: pandas is skipped with the reason
      const pandas = res.skipped.find((s) => s.case === kase && s.mode === 'pandas');
      expect(pandas?.reason).toMatch(/no-such-python/);
    }
    expect(res.measurements.some((m) => m.mode.startsWith('pandas'))).toBe(false);

    // the report can be written later from the results file, without running anything
    const docs = join(tmp, 'docs');
    const again = spawnSync(
      process.execPath,
      ['--import', tsx, join(ROOT, 'src/cli/main.ts'), 'bench', '--from', out, '--docs', docs],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(again.status).toBe(0);
    const page = readFileSync(join(docs, 'benchmarks.md'), 'utf8');
    expect(page).toContain('## Goals');
    expect(page).toMatch(/\| numeric \| a\*2\+b \| /);
    expect(JSON.parse(readFileSync(join(docs, 'benchmarks', 'results.json'), 'utf8'))).toEqual(res);
  }, 150_000);

  it('refuses an unknown suite', () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        tsx,
        join(ROOT, 'src/cli/main.ts'),
        'bench',
        '--suite',
        'nope',
        '--no-docs',
        '--no-progress',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown suite(s): nope');
  }, 90_000);
});
