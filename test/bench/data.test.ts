/**
 * The benchmark data and the hand-written limits: batches cut from the generated columns hold
 * exactly the source rows (values and nulls, any batch size), and every hand-written loop computes
 * what the UDFs compute — a limit that does different work would measure nothing.
 */
import type * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Dataset,
  f64Column,
  geoData,
  groupData,
  isValid,
  numericData,
  stringArray,
  timestampData,
  toBatches,
  type Utf8Column,
  uriData,
  utf8Column,
} from '../../bench/lib/data.js';
import {
  groupMeanLoop,
  haversineLoop,
  hourLoop,
  lowerContainsLoop,
  mulAddLoop,
  normalizeLoop,
} from '../../bench/lib/hand-loops.js';
import { haversine, hourOf, lowerContains, meanOf, mulAdd, normalize, plus } from '../../bench/udfs.js';
import { runAggregate } from '../../src/exec/aggregate.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { makeGetter } from '../../src/series/accessors.js';
import { fromArrowField } from '../../src/types/arrow-mapping.js';
import { rng } from '../helpers/random.js';

function valuesOf(v: arrow.Vector, field: arrow.Field): unknown[] {
  const get = makeGetter(v.data[0]!, fromArrowField(field));
  return Array.from({ length: v.length }, (_, i) => get(i));
}

describe('toBatches', () => {
  it('cuts columns into batches that hold exactly the source rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer(),
        (rows, size, seed) => {
          const r = rng(seed);
          const words = ['alpha', 'ünïcode', '', 'video/HD'].map((w) => new TextEncoder().encode(w));
          const ds: Dataset = {
            rows,
            columns: {
              x: f64Column(rows, r, -5, 5, 0.3),
              s: utf8Column(rows, r, words, 0.3),
              ...timestampData(rows, seed).columns,
            },
          };
          const batches = toBatches(ds, ['x', 's', 'ts'], size);
          expect(batches.map((b) => b.numRows).reduce((a, b) => a + b, 0)).toBe(rows);
          const strings = stringArray(ds.columns.s as Utf8Column);
          let row = 0;
          for (const b of batches) {
            expect(b.numRows).toBeLessThanOrEqual(size);
            const [x, s, ts] = b.schema.fields.map((f, i) => valuesOf(b.getChildAt(i)!, f));
            for (let i = 0; i < b.numRows; i++, row++) {
              const xc = ds.columns.x!;
              expect(x![i]).toBe(isValid(xc, row) ? (xc as { values: Float64Array }).values[row] : null);
              expect(s![i]).toBe(strings[row]);
              const tc = ds.columns.ts as { ms: Float64Array; valid: Uint8Array | null };
              expect(ts![i]).toBe(isValid(ds.columns.ts!, row) ? tc.ms[row] : null);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('hand-written loops compute what the UDFs compute', () => {
  const run = async (
    udf: Parameters<typeof compilePlan>[0]['calls'][0]['udf'],
    b: arrow.RecordBatch,
    cols: number[],
  ) => runVectorized(compilePlan({ calls: [{ udf, args: cols.map((column) => ({ column })) }] }), b);

  it('a+b, a*2+b (values and validity)', async () => {
    const [b] = toBatches(numericData(777, 5), ['a', 'b'], 777);
    for (const [udf, k] of [
      [plus, 1],
      [mulAdd, 2],
    ] as const) {
      const want = valuesOf(
        (await run(udf, b!, [0, 1])).getChildAt(0)!,
        (await run(udf, b!, [0, 1])).schema.fields[0]!,
      );
      const [[values, valid]] = mulAddLoop([b!], 0, 1, k) as [[Float64Array, Int32Array]];
      want.forEach((w, i) => {
        const ok = ((valid[i >> 5]! >>> (i & 31)) & 1) === 1;
        expect(ok ? values[i] : null).toBe(w);
      });
    }
  });

  it('haversine', async () => {
    const [b] = toBatches(geoData(500, 6), ['lat1', 'lon1', 'lat2', 'lon2'], 500);
    const out = await run(haversine, b!, [0, 1, 2, 3]);
    const want = valuesOf(out.getChildAt(0)!, out.schema.fields[0]!);
    const [got] = haversineLoop([b!], [0, 1, 2, 3]);
    want.forEach((w, i) => {
      if (w !== null) expect(got![i]).toBe(w);
    });
  });

  it('lower + contains', async () => {
    const [b] = toBatches(uriData(600, 7), ['uri'], 600);
    const out = await run(lowerContains, b!, [0]);
    const want = valuesOf(out.getChildAt(0)!, out.schema.fields[0]!);
    const [bits] = lowerContainsLoop([b!], 0, 'video');
    // matches and misses both (3 of 7 paths hold "video"), not every row matching
    const valid = want.filter((w) => w !== null).length;
    const hits = want.filter((w) => w === true).length;
    expect(hits / valid).toBeGreaterThan(0.3);
    expect(hits / valid).toBeLessThan(0.55);
    want.forEach((w, i) => {
      if (w !== null) expect(((bits![i >> 3]! >> (i & 7)) & 1) === 1).toBe(w);
    });
  });

  it('hour of a timestamp', async () => {
    const [b] = toBatches(timestampData(800, 8), ['ts'], 800);
    const out = await run(hourOf, b!, [0]);
    const want = valuesOf(out.getChildAt(0)!, out.schema.fields[0]!);
    const [got] = hourLoop([b!], 0);
    want.forEach((w, i) => {
      if (w !== null) expect(got![i]).toBe(w);
    });
  });

  it('mean per group (groups in order of first appearance)', async () => {
    const [b] = toBatches(groupData(3000, 9), ['key', 'x'], 3000);
    const out = await runAggregate(compilePlan({ calls: [{ udf: meanOf, args: [{ column: 1 }] }] }), b!, [0]);
    const want = valuesOf(out.getChildAt(1)!, out.schema.fields[1]!);
    const [got] = groupMeanLoop([b!], 0, 1);
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => {
      // a group whose values are all null has no mean: NaN on both sides
      if (Number.isNaN(w)) expect(got![i]).toBeNaN();
      else expect(got![i]).toBeCloseTo(w as number, 9);
    });
  });

  it('normalize', async () => {
    const [b] = toBatches({ rows: 500, columns: { x: numericData(500, 10).columns.a! } }, ['x'], 500);
    const out = await run(normalize, b!, [0]);
    const want = valuesOf(out.getChildAt(0)!, out.schema.fields[0]!);
    const [got] = normalizeLoop([b!], 0);
    want.forEach((w, i) => {
      if (w !== null) expect(got![i]).toBeCloseTo(w as number, 9);
    });
  });
});
