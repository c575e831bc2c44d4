import { afterEach, describe, expect, it, vi } from 'vitest';

// Each case imports a fresh copy: tuneHeapForDataPlane acts once per module instance.
async function freshTune(): Promise<() => void> {
  vi.resetModules();
  return (await import('../../src/util/heap-tuning.js')).tuneHeapForDataPlane;
}

describe('tuneHeapForDataPlane', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('refuses a VECUDF_HEAP_GROWING_PERCENT that is not a whole number, naming the variable', async () => {
    for (const bad of ['abc', '-5', '2.5']) {
      vi.stubEnv('VECUDF_HEAP_GROWING_PERCENT', bad);
      const tune = await freshTune();
      expect(tune).toThrow(`VECUDF_HEAP_GROWING_PERCENT must be a whole number of percent, got '${bad}'`);
    }
  });

  it('accepts 0 (V8 default) and a percent, once per process', async () => {
    vi.stubEnv('VECUDF_HEAP_GROWING_PERCENT', '0');
    expect(await freshTune()).not.toThrow();
    vi.stubEnv('VECUDF_HEAP_GROWING_PERCENT', '300');
    const tune = await freshTune();
    tune();
    // The second call is a no-op even if the variable has gone bad since.
    vi.stubEnv('VECUDF_HEAP_GROWING_PERCENT', 'abc');
    expect(tune).not.toThrow();
  });
});
