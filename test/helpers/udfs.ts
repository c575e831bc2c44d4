/**
 * UDFs the runner and integration tests run, by module path (this file) and export name.
 * Each comes as a vectorized UDF and as its row-wise twin, so results can be compared across
 * modes.
 */
import type { Series } from '../../src/series/series.js';
import { udf, vectorizedUdaf, vectorizedUdf } from '../../src/udf/define.js';

export const identity = vectorizedUdf((a: Series) => a, { resultType: 'DOUBLE' });
export const identityRow = udf((a: unknown) => a, { resultType: 'DOUBLE' });

export const plus = vectorizedUdf((a: Series, b: Series) => a.add(b), {
  inputTypes: ['DOUBLE', 'DOUBLE'],
  resultType: 'DOUBLE',
});
export const plusRow = udf(
  (a: number | null, b: number | null) => (a === null || b === null ? null : a + b),
  {
    inputTypes: ['DOUBLE', 'DOUBLE'],
    resultType: 'DOUBLE',
  },
);

export const scale = vectorizedUdf((a: Series, k: Series) => a.mul(k), {
  inputTypes: ['DOUBLE', 'DOUBLE'],
  resultType: 'DOUBLE',
});
export const scaleRow = udf((a: number | null, k: number) => (a === null ? null : a * k), {
  inputTypes: ['DOUBLE', 'DOUBLE'],
  resultType: 'DOUBLE',
});

export const upper = vectorizedUdf((s: Series) => s.str.upper(), {
  inputTypes: ['STRING'],
  resultType: 'STRING',
});
export const upperRow = udf((s: string | null) => (s === null ? null : s.toUpperCase()), {
  inputTypes: ['STRING'],
  resultType: 'STRING',
});

export const meanOf = vectorizedUdaf((a: Series) => a.mean(), {
  inputTypes: ['DOUBLE'],
  resultType: 'DOUBLE',
});

/** Throws on any batch holding a negative value. */
export const failOnNegative = vectorizedUdf(
  (a: Series) => {
    for (let i = 0; i < a.length; i++) {
      const v = a.get(i) as number | null;
      if (v !== null && v < 0) throw new Error(`negative value ${v}`);
    }
    return a;
  },
  { inputTypes: ['DOUBLE'], resultType: 'DOUBLE' },
);

/** Sleeps, then returns its input: keeps a bundle busy long enough to kill the worker under it. */
export const slowIdentity = vectorizedUdf(
  async (a: Series) => {
    await new Promise((r) => setTimeout(r, 200));
    return a;
  },
  { inputTypes: ['DOUBLE'], resultType: 'DOUBLE' },
);

/** A plain function (the plan gives its kind and types): returns its argument, in either mode. */
export function same(a: unknown): unknown {
  return a;
}
