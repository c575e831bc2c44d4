/**
 * A short run of the soak (bench/soak-run.ts, what `npm run soak` runs for 5 minutes): one real
 * `vecudf worker-pool` process, two runners (vectorized and row-wise) streaming without pause for
 * 12 s, every output row checked against the in-process result. Asserts no error, no lost,
 * duplicated or wrong row, a clean pool exit without orphan workers, and memory that does not
 * grow with the rows streamed: the runner's live ArrayBuffers (after a full GC) and every
 * process's RSS stay within a bound after the warm-up. A runner that kept each input chunk alive
 * until the end of its run (the leak this test was written against) grew by ~10 MB/s here.
 */
import { describe, expect, it } from 'vitest';
import { soakMarkdown } from '../../bench/soak-report.js';
import { exposeGc, runSoak } from '../../bench/soak-run.js';

const MB = 2 ** 20;

describe('the soak, for 12 s', () => {
  it('streams through two runners on one pool with nothing lost and memory flat', {
    timeout: 120_000,
  }, async () => {
    // Small bundles, two in flight: the data a runner legitimately holds at a sample stays ~1 MB,
    // so a few MB of growth in live buffers stand out.
    const r = await runSoak({
      durationMs: 12_000,
      warmupMs: 3_000,
      intervalMs: 1_000,
      bundling: { bundleSize: 20_000, maxBundlesInFlight: 2 },
      gc: exposeGc(),
    });
    const summary = soakMarkdown(r);
    console.log(summary);

    expect(r.errors).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.runners.map((x) => x.mode)).toEqual(['vectorized', 'row']);
    for (const x of r.runners) {
      expect(x.rows).toBeGreaterThan(50_000);
      expect(x.bundles).toBeGreaterThan(1);
      expect([x.lost, x.duplicated, x.wrong, x.restarts]).toEqual([0, 0, 0, 0]);
    }
    expect(r.rows).toBe(r.runners[0]!.rows + r.runners[1]!.rows);
    expect(r.poolExit).toBe('code 0');
    expect(r.orphans).toEqual([]);
    expect(r.ok).toBe(true);
    expect(summary).toMatch(/^\*\*PASS\*\*/m);

    // Memory: live ArrayBuffers of the runner process after a full GC, the median of the first
    // three samples after the warm-up against that of the last three (one odd sample does not
    // decide), against the rows streamed in between (the leak kept ~23 bytes per row).
    const warm = r.samples.filter((s) => s.warm);
    const median3 = (xs: number[]) => xs.sort((x, y) => x - y)[1]!;
    const head = warm.slice(0, 3);
    const tail = warm.slice(-3);
    const rowsOf = (s: (typeof warm)[number]) => s.rows[0]! + s.rows[1]!;
    const rowsBetween = rowsOf(tail[1]!) - rowsOf(head[1]!);
    const abGrowth =
      median3(tail.map((s) => s.arrayBuffersRunner)) - median3(head.map((s) => s.arrayBuffersRunner));
    console.log(
      `runner ArrayBuffers ${(abGrowth / MB).toFixed(1)} MB over ${rowsBetween} rows:`,
      warm.map((s) => (s.arrayBuffersRunner / MB).toFixed(0)).join(' '),
    );
    expect(abGrowth).toBeLessThan(12 * MB + 4 * rowsBetween);
    // RSS (if /proc is there): each process within a bound after the warm-up.
    for (const m of [r.memory.runner, r.memory.pool, ...r.memory.workers]) {
      if (m.startBytes === undefined || m.endBytes === undefined) continue;
      expect(m.endBytes - m.startBytes, m.label).toBeLessThan(128 * MB);
    }
  });
});
