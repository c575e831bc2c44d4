/**
 * The pool benchmark's goal lines (bench/pool-e2e.bench.ts): the 1.7× goal is judged on the
 * CPU-heavy UDF only, the cheap one's on the pool against threads 0; ratios round by round and over
 * the quiet rounds (neighbours under a tenth of a core); the CPU-only bound from the figures.
 */
import { describe, expect, it } from 'vitest';
import { HEAVY_UDF, type PoolE2eFigure, type PoolE2eUdf, poolGoalLines } from '../../bench/pool-e2e.bench.js';

function fig(
  udf: PoolE2eUdf,
  threads: number,
  roundsMs: number[],
  o: Partial<PoolE2eFigure> = {},
): PoolE2eFigure {
  const sorted = [...roundsMs].sort((a, b) => a - b);
  return {
    udf,
    threads,
    elapsedMs: sorted[sorted.length >> 1]!,
    roundsMs,
    roundsOthersCpuMs: roundsMs.map(() => 0),
    rowsPerSec: 1,
    runnerCpuMs: 20,
    workerCpuMs: threads === 0 ? 600 : 620,
    workerMainCpuMs: 20,
    poolThreadCpuMs: threads === 2 ? [290, 290] : threads === 1 ? [580] : [],
    othersCpuMs: 0,
    udfMs: 560,
    ...o,
  };
}

describe('poolGoalLines', () => {
  it('judges 1.7× on the heavy UDF, round by round too, with the CPU-only bound', () => {
    expect(HEAVY_UDF).toBe('mcCall');
    const lines = poolGoalLines([
      fig('mcCall', 0, [600, 610, 620]),
      fig('mcCall', 1, [600, 610, 620]),
      fig('mcCall', 2, [340, 350, 400]),
    ]);
    const two = lines.find((l) => l.startsWith('mcCall: 2 threads vs 1'))!;
    expect(two).toContain('= 1.74× (medians) (goal ≥ 1.7× round by round: met)');
    expect(two).toContain('round by round 1.74× (1.55×–1.76×), 1.74× in the 3 quiet round(s)');
    // 1 thread: its pool thread's 580 ms; 2 threads: half of 20 + 620 = 320 ms.
    expect(two).toContain('from CPU alone, 2 cores allow 1.81×');
    expect(two).toContain("busiest other threads (the pool's, when busy) 290 + 290");
  });

  it('says NOT met below 1.7×, and counts only rounds where neighbours kept off', () => {
    const lines = poolGoalLines([
      fig('mcCall', 1, [600, 600, 600]),
      fig('mcCall', 2, [500, 350, 340], { roundsOthersCpuMs: [300, 0, 10] }),
    ]);
    const two = lines.find((l) => l.startsWith('mcCall: 2 threads vs 1'))!;
    expect(two).toContain('= 1.71× (medians) (goal ≥ 1.7× round by round: met)');
    const slow = poolGoalLines([
      fig('mcCall', 1, [600, 600, 600]),
      fig('mcCall', 2, [500, 400, 340], { roundsOthersCpuMs: [300, 0, 10] }),
    ]);
    const line = slow.find((l) => l.startsWith('mcCall: 2 threads vs 1'))!;
    expect(line).toContain('(goal ≥ 1.7× round by round: NOT met)');
    // the first round had a neighbour on 300 ms of CPU during a 500 ms run: left out of the quiet ones
    expect(line).toContain('in the 2 quiet round(s)');
  });

  it('judges by the rounds, where the medians of the runs would say otherwise', () => {
    // medians 600 / 330 = 1.82×, but round by round 1.82×, 1.67×, 1.67×
    const lines = poolGoalLines([fig('mcCall', 1, [600, 700, 500]), fig('mcCall', 2, [330, 420, 300])]);
    const two = lines.find((l) => l.startsWith('mcCall: 2 threads vs 1'))!;
    expect(two).toContain('= 1.82× (medians) (goal ≥ 1.7× round by round: NOT met); round by round 1.67×');
  });

  it('gives haversine its 2 vs 1 figure with no goal, and plus its pool-vs-main goal', () => {
    const lines = poolGoalLines(
      [
        fig('haversine', 1, [200]),
        fig('haversine', 2, [160]),
        fig('plus', 0, [180]),
        fig('plus', 1, [178]),
        fig('plus', 2, [190]),
      ],
      [1.9, 1.95, 1.5],
    );
    expect(lines[0]).toBe(
      "pure computation, 2 threads vs 1, in the same rounds: 1.90× (1.50×–1.95×) — what the machine's second core gave",
    );
    const hav = lines.find((l) => l.startsWith('haversine: 2 threads vs 1'))!;
    expect(hav).not.toContain('goal');
    expect(hav).toContain('Amdahl');
    expect(lines.find((l) => l.startsWith('plus: 2 threads vs main thread'))).toContain(
      'the pool no slower than threads 0: NOT met',
    );
    const near = poolGoalLines([fig('plus', 0, [180]), fig('plus', 2, [184])]);
    expect(near.find((l) => l.startsWith('plus: 2 threads vs main'))).toContain(
      "not met by 2%, within a run's noise here",
    );
  });
});
