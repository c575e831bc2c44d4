/**
 * A bundle that never completes (its UDF never answers) is failed by the runner's
 * `bundleTimeoutMs` with the bundle, its rows and the worker named, instead of hanging the run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BundleError } from '../../src/runner/bundle.js';
import { Runner } from '../../src/runner/runner.js';
import { numbered, planOf } from './process-support.js';

const runners: Runner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

describe('a bundle that never completes', () => {
  it('fails after bundleTimeoutMs with the bundle, its rows and the worker named, instead of hanging', async () => {
    const runner = await Runner.start({ threads: 1, bundleTimeoutMs: 1_500 });
    runners.push(runner);
    const t0 = performance.now();
    const run = runner.run(numbered(2_000, 2_000), {
      plan: planOf('hang'),
      columns: ['x'],
      arrowBatchSize: 1_000,
    });
    let error: Error | undefined;
    try {
      for await (const _ of run) {
        // nothing comes
      }
    } catch (e) {
      error = e as Error;
    }
    const took = performance.now() - t0;
    expect(error).toBeInstanceOf(BundleError);
    expect(error!.message).toMatch(
      /^bundle \d+ \(input rows 0–1999\) did not complete within 1500 ms \(bundleTimeoutMs\) on worker \S+/,
    );
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(10_000);
  });

  it('refuses a bad retries or bundleTimeoutMs before starting a worker', async () => {
    await expect(Runner.start({ retries: -1 })).rejects.toThrow(/retries must be an integer ≥ 0/);
    await expect(Runner.start({ bundleTimeoutMs: 0 })).rejects.toThrow(/bundleTimeoutMs must be a positive/);
  });
});
