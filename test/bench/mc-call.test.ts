/**
 * The CPU-heavy benchmark UDF (Monte-Carlo European call price) computes a real price: with many
 * paths it meets the Black–Scholes closed form (an independent computation); at its benchmark
 * 128 paths it is unbiased over many rows; and the vectorized UDF and its row-wise twin agree
 * exactly, nulls included.
 */
import type * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBatches } from '../../bench/lib/data.js';
import { optionData } from '../../bench/pool-e2e.bench.js';
import { MC_RATE, mcCall, mcCallPrice, mcCallRow } from '../../bench/udfs.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { makeGetter } from '../../src/series/accessors.js';
import { fromArrowField } from '../../src/types/arrow-mapping.js';

/** Standard normal CDF through erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Black–Scholes price of a European call (no dividends). */
function blackScholesCall(s: number, k: number, vol: number, years: number): number {
  const sd = vol * Math.sqrt(years);
  const d1 = (Math.log(s / k) + (MC_RATE + 0.5 * vol * vol) * years) / sd;
  return s * normCdf(d1) - k * Math.exp(-MC_RATE * years) * normCdf(d1 - sd);
}

describe('mcCallPrice', () => {
  it('meets Black–Scholes with many paths (at, in and out of the money, short and long)', () => {
    expect(blackScholesCall(100, 100, 0.2, 1)).toBeCloseTo(9.4134, 3);
    for (const [s, k, vol, years] of [
      [100, 100, 0.2, 1],
      [120, 100, 0.3, 0.5],
      [80, 100, 0.4, 2],
      [100, 60, 0.15, 0.25],
      [55, 140, 0.6, 1.5],
    ] as const) {
      const want = blackScholesCall(s, k, vol, years);
      const got = mcCallPrice(s, k, vol, years, 200_000);
      // 200,000 antithetic paths: the sampling error is well under 1% of the price here.
      expect(Math.abs(got - want)).toBeLessThan(0.01 * want + 0.01);
    }
  });

  it('is unbiased at the benchmark 128 paths: errors over 2,000 rows average out', () => {
    const ds = optionData(2000, 11);
    const [spot, strike, vol, years] = ['spot', 'strike', 'vol', 'years'].map(
      (c) => (ds.columns[c] as { values: Float64Array }).values,
    );
    let err = 0;
    let absErr = 0;
    let price = 0;
    for (let i = 0; i < ds.rows; i++) {
      const got = mcCallPrice(spot![i]!, strike![i]!, vol![i]!, years![i]!);
      const want = blackScholesCall(spot![i]!, strike![i]!, vol![i]!, years![i]!);
      expect(got).toBeGreaterThanOrEqual(0);
      err += got - want;
      absErr += Math.abs(got - want);
      price += want;
    }
    // Each row is a few % off (128 paths), but the rows' generators are seeded apart, so the
    // errors are independent and their mean is far smaller than each.
    expect(absErr / price).toBeGreaterThan(0.01);
    expect(absErr / price).toBeLessThan(0.15);
    expect(Math.abs(err) / price).toBeLessThan(0.01);
  });

  it('depends on the row only: same inputs, same price; another row, another stream', () => {
    expect(mcCallPrice(100, 100, 0.2, 1)).toBe(mcCallPrice(100, 100, 0.2, 1));
    expect(mcCallPrice(100, 100, 0.2, 1)).not.toBe(mcCallPrice(100, 100, 0.2, 1 + 2 ** -40));
  });
});

describe('mcCall (vectorized) and mcCallRow', () => {
  const valuesOf = (b: arrow.RecordBatch): unknown[] => {
    const get = makeGetter(b.getChildAt(0)!.data[0]!, fromArrowField(b.schema.fields[0]!));
    return Array.from({ length: b.numRows }, (_, i) => get(i));
  };
  const args = [0, 1, 2, 3].map((column) => ({ column }));

  it('agree exactly, nulls included, on any rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.integer(), async (rows, seed) => {
        const [b] = toBatches(optionData(rows, seed), ['spot', 'strike', 'vol', 'years'], rows);
        const vec = valuesOf(await runVectorized(compilePlan({ calls: [{ udf: mcCall, args }] }), b!));
        const row = valuesOf(await runRowWise(compilePlan({ calls: [{ udf: mcCallRow, args }] }), b!));
        expect(vec).toEqual(row);
        const spot = b!.getChildAt(0)!;
        vec.forEach((v, i) => {
          expect(v === null).toBe([0, 1, 2, 3].some((c) => b!.getChildAt(c)!.get(i) === null));
          if (v !== null)
            expect(v).toBe(
              mcCallPrice(
                spot.get(i),
                b!.getChildAt(1)!.get(i),
                b!.getChildAt(2)!.get(i),
                b!.getChildAt(3)!.get(i),
              ),
            );
        });
      }),
      { numRuns: 25 },
    );
  });
});
