/**
 * Summaries of V8 CPU profiles: self time per category, the idle gap that cuts off start-up,
 * profiles of several threads summed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  afterLastIdleGap,
  type CpuProfile,
  categorize,
  summarizeProfiles,
} from '../../bench/lib/cpu-profile.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/** A profile whose samples are [node id, ms] pairs. */
function profile(samples: [number, number][]): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(idle)') },
      { id: 2, callFrame: frame('(garbage collector)') },
      { id: 3, callFrame: frame('compileSourceTextModule', 'node:internal/modules/esm/utils') },
      { id: 4, callFrame: frame('sendMessage', 'file:///x/node_modules/@grpc/grpc-js/build/src/call.js') },
      { id: 5, callFrame: frame('encode', 'file:///x/dist/src/codec/arrow-frame.js') },
    ],
    samples: samples.map(([id]) => id),
    timeDeltas: samples.map(([, ms]) => ms * 1000),
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'vecudf-prof-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cpu profile summaries', () => {
  it('puts functions into categories by name and script', () => {
    expect(categorize('(garbage collector)', '')).toBe('garbage collection');
    expect(categorize('atomicsWaitLoop', 'file:///x/piscina/dist/worker.js')).toBe('idle');
    expect(categorize('x', 'file:///x/node_modules/@grpc/grpc-js/build/src/a.js')).toBe(
      'gRPC (grpc-js, HTTP/2)',
    );
    expect(categorize('decode', 'file:///x/dist/src/codec/arrow-frame.js')).toBe('Arrow / row codec');
    expect(categorize('run', 'file:///x/dist/src/pool/thread-pool.js')).toBe('thread pool');
    expect(categorize('fused', '')).toBe('UDF, kernels, executor');
    expect(categorize('createUnsafeBuffer', 'node:internal/buffer')).toBe('buffer allocation and copies');
  });

  it('finds the end of the last long idle stretch', () => {
    const p = profile([
      [3, 50],
      [1, 300],
      [1, 400],
      [5, 10],
      [1, 100],
      [2, 5],
    ]);
    expect(afterLastIdleGap(p, 600)).toBe(3);
    expect(afterLastIdleGap(p, 2000)).toBe(0);
  });

  it('sums every thread, counting only what follows the idle gap', () => {
    const dir = join(tmp, 'two-threads');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'a.cpuprofile'),
      JSON.stringify(
        profile([
          [3, 200],
          [1, 700],
          [4, 30],
          [2, 20],
        ]),
      ),
    );
    writeFileSync(
      join(dir, 'b.cpuprofile'),
      JSON.stringify(
        profile([
          [1, 650],
          [5, 40],
        ]),
      ),
    );
    const all = summarizeProfiles(dir, 'all');
    expect(all.categories['module loading (start-up)']).toBeCloseTo(200);
    expect(all.totalMs).toBeCloseTo(1640);
    const steady = summarizeProfiles(dir, 'steady', 5, 600);
    expect(steady.categories['module loading (start-up)']).toBeUndefined();
    expect(steady.categories['gRPC (grpc-js, HTTP/2)']).toBeCloseTo(30);
    expect(steady.categories['garbage collection']).toBeCloseTo(20);
    expect(steady.categories['Arrow / row codec']).toBeCloseTo(40);
    expect(steady.totalMs).toBeCloseTo(90);
    expect(steady.top[0]).toEqual({ fn: 'encode codec/arrow-frame.js:1', ms: 40 });
  });
});
