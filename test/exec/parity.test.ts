/**
 * The vectorized and row-wise executors give identical results on the same random batches, for
 * UDF twins (a vectorized UDF and its row-wise equivalent), nulls included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan, type MemCallSpec } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import type { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { udf, vectorizedUdf } from '../../src/udf/define.js';
import { batchOf, columnsOf } from './support/batches.js';
import { nullable } from './support/values.js';

type N = number | null;

// plus(a, b)
const plusV = vectorizedUdf((a: Series, b: Series) => a.add(b), {
  name: 'plus',
  inputTypes: [T.DOUBLE(), T.DOUBLE()],
  resultType: T.DOUBLE(),
});
const plusR = udf((a: N, b: N) => (a == null || b == null ? null : a + b), {
  name: 'plus',
  inputTypes: [T.DOUBLE(), T.DOUBLE()],
  resultType: T.DOUBLE(),
});

// lower(uri).contains('video')
const isVideoV = vectorizedUdf((s: Series) => s.str.lower().str.contains('video'), {
  name: 'is_video',
  inputTypes: [T.STRING()],
  resultType: T.BOOLEAN(),
});
const isVideoR = udf((s: string | null) => (s == null ? null : s.toLowerCase().includes('video')), {
  name: 'is_video',
  inputTypes: [T.STRING()],
  resultType: T.BOOLEAN(),
});

// a * c + b, c a constant
const mulAddV = vectorizedUdf((a: Series, c: Series, b: Series) => a.mul(c).add(b), {
  name: 'mul_add',
  inputTypes: [T.DOUBLE(), T.DOUBLE(), T.DOUBLE()],
  resultType: T.DOUBLE(),
});
const mulAddR = udf((a: N, c: N, b: N) => (a == null || b == null || c == null ? null : a * c + b), {
  name: 'mul_add',
  inputTypes: [T.DOUBLE(), T.DOUBLE(), T.DOUBLE()],
  resultType: T.DOUBLE(),
});

// k * 2 as an Int32Array (nulls become 0): a typed-array result, wrapped without a copy
const doubledV = vectorizedUdf(
  (k: Series) => {
    const out = new Int32Array(k.length);
    for (let i = 0; i < k.length; i++) out[i] = k.isValid(i) ? (k.get(i) as number) * 2 : 0;
    return out;
  },
  { name: 'doubled', inputTypes: [T.INT()], resultType: T.INT() },
);
const doubledR = udf((k: N) => (k == null ? 0 : k * 2), {
  name: 'doubled',
  inputTypes: [T.INT()],
  resultType: T.INT(),
});

// label(s, big): a plain array of strings from two columns
const labelV = vectorizedUdf(
  (s: Series, big: Series) =>
    Array.from({ length: s.length }, (_, i) =>
      s.isValid(i) && big.isValid(i) ? `${s.get(i)}:${big.get(i)}` : null,
    ),
  { name: 'label', inputTypes: [T.STRING(), T.BIGINT()], resultType: T.STRING() },
);
const labelR = udf(
  (s: string | null, big: bigint | null) => (s == null || big == null ? null : `${s}:${big}`),
  {
    name: 'label',
    inputTypes: [T.STRING(), T.BIGINT()],
    resultType: T.STRING(),
  },
);

// async twins
const halfV = vectorizedUdf(
  async (a: Series) => {
    await new Promise((r) => setTimeout(r, 0));
    return a.div(2);
  },
  { name: 'half', inputTypes: [T.DOUBLE()], resultType: T.DOUBLE() },
);
const halfR = udf(async (a: N) => (a == null ? null : a / 2), {
  name: 'half',
  inputTypes: [T.DOUBLE()],
  resultType: T.DOUBLE(),
});

const INPUT = [T.DOUBLE(), T.DOUBLE(), T.STRING(), T.INT(), T.BIGINT()];
const word = fc.constantFrom('video', 'VIDEO', 'Vid', 'eo', '/', 'img', 'ViDeO', 'é', 'Ü', 'x', '.mp4', '');
const rowArb = fc.tuple(
  nullable(fc.double(), 4),
  nullable(fc.double({ noNaN: false }), 4),
  nullable(
    fc.array(word, { maxLength: 6 }).map((ws) => ws.join('')),
    4,
  ),
  nullable(fc.integer({ min: -1e6, max: 1e6 }), 4),
  nullable(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), 4),
);

function calls(twins: 'V' | 'R'): MemCallSpec[] {
  const pick = <A, B>(v: A, r: B) => (twins === 'V' ? v : r);
  return [
    { udf: pick(plusV, plusR), args: [{ column: 0 }, { column: 1 }] },
    { udf: pick(isVideoV, isVideoR), args: [{ column: 2 }] },
    {
      udf: pick(mulAddV, mulAddR),
      args: [
        { call: { udf: pick(plusV, plusR), args: [{ column: 0 }, { column: 1 }] } },
        { constant: 2.5, type: 'DOUBLE' },
        { call: { udf: pick(halfV, halfR), args: [{ column: 1 }] } },
      ],
      name: 'chained',
    },
    { udf: pick(doubledV, doubledR), args: [{ column: 3 }] },
    { udf: pick(labelV, labelR), args: [{ column: 2 }, { column: 4 }] },
    {
      udf: pick(labelV, labelR),
      args: [
        { constant: 'k', type: 'STRING' },
        { constant: -(2n ** 62n), type: 'BIGINT' },
      ],
      name: 'consts',
    },
  ];
}

describe('vectorized vs row-wise executors', () => {
  it('give identical results on random batches (several calls, chains, constants, async, nulls)', async () => {
    const planV = compilePlan({ calls: calls('V') });
    const planR = compilePlan({ calls: calls('R') });
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 40 }), async (rows) => {
        const batch = batchOf(
          INPUT.map((t, c) => ({ name: `c${c}`, type: t, values: rows.map((r) => r[c]) })),
        );
        const v = await runVectorized(planV, batch);
        const r = await runRowWise(planR, batch);
        expect(v.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(
          r.schema.fields.map((f) => `${f.name}:${f.type}`),
        );
        expect(columnsOf(v)).toEqual(columnsOf(r));
      }),
      { numRuns: 120 },
    );
    expect(planV.metrics.map((m) => [m.output, m.udf])).toEqual(planR.metrics.map((m) => [m.output, m.udf]));
    expect(planV.metrics.every((m) => m.batches === 120)).toBe(true);
  });

  it('a row UDF inside a vectorized plan runs row by row over its argument columns', async () => {
    const plan = compilePlan({
      calls: [
        {
          udf: plusR,
          args: [
            { call: { udf: plusV, args: [{ column: 0 }, { column: 1 }] } },
            { constant: 1, type: 'DOUBLE' },
          ],
        },
      ],
    });
    const batch = batchOf([
      { name: 'a', type: T.DOUBLE(), values: [1, null, 3] },
      { name: 'b', type: T.DOUBLE(), values: [1, 2, 3] },
    ]);
    expect(columnsOf(await runVectorized(plan, batch)).f0).toEqual([3, null, 7]);
  });
});
