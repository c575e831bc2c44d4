import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCdnJobInProcess } from '../../examples/cdn/job.js';
import { DuckDbSink } from '../../src/sink/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'vecudf-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CDN job in process', () => {
  it('gives the same table in vectorized and row mode; counts add up; the sink holds the final table', async () => {
    const sink = await DuckDbSink.open(join(dir, 'cdn.duckdb'), { table: 'cdn_access_statistic' });
    const progress: number[] = [];
    const vec = await runCdnJobInProcess({
      rows: 50_000,
      seed: 77,
      batchSize: 5_000,
      sink,
      onProgress: (n) => progress.push(n),
    });
    const stored = await sink.query(
      'SELECT * FROM cdn_access_statistic ORDER BY access_count DESC, province',
    );
    await sink.close();
    const row = await runCdnJobInProcess({ rows: 50_000, seed: 77, batchSize: 5_000, mode: 'row' });
    expect(vec.rows).toBe(50_000);
    expect(progress).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 5_000));
    expect(row.stats).toEqual(vec.stats);
    expect(vec.stats.reduce((n, s) => n + s.access_count, 0n)).toBe(50_000n);
    expect(stored).toEqual(vec.stats);
    expect(vec.udfMs).toBeGreaterThan(0);
    expect(vec.udfMs).toBeLessThanOrEqual(vec.totalMs);
  });
});
