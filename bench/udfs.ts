/**
 * The benchmark UDFs, each as a vectorized UDF and its row-wise twin giving the same answers
 * (nulls in → null out). The function-level suites run them in process; the end-to-end suite
 * loads this module by path in the worker process (dist/bench/udfs.js when built).
 *
 * The row twins are what a careful author writes for one row: plain arithmetic on numbers, no
 * object or Date per row, so that the ratio measures the two ways of working, not a straw man.
 *
 * @example
 * const plan = compilePlan({ calls: [{ udf: mulAdd, args: [{ column: 0 }, { column: 1 }] }] });
 * await runVectorized(plan, batch);
 */
import { andValidity, type BitsAt } from '../src/series/bitmap.js';
import { columnFromTypedArray } from '../src/series/column-builder.js';
import type { DataFrame } from '../src/series/dataframe.js';
import { Series } from '../src/series/series.js';
import { DataTypes as T } from '../src/types/data-types.js';
import { mapBatches, udf, vectorizedUdaf, vectorizedUdf } from '../src/udf/define.js';

export { ipToProvince, ipToProvinceRow } from '../examples/cdn/ip-to-province.js';

type N = number | null;
const D2 = { inputTypes: [T.DOUBLE(), T.DOUBLE()], resultType: T.DOUBLE() };

/** a + b. */
export const plus = vectorizedUdf((a: Series, b: Series) => a.add(b), { name: 'plus', ...D2 });
export const plusRow = udf((a: N, b: N) => (a === null || b === null ? null : a + b), {
  name: 'plusRow',
  ...D2,
});

/** a * 2 + b (fused into one loop by the Series kernels). */
export const mulAdd = vectorizedUdf((a: Series, b: Series) => a.mul(2).add(b), { name: 'mulAdd', ...D2 });
export const mulAddRow = udf((a: N, b: N) => (a === null || b === null ? null : a * 2 + b), {
  name: 'mulAddRow',
  ...D2,
});

const EARTH_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance in km between (lat1, lon1) and (lat2, lon2), degrees. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const s1 = Math.sin(dLat / 2);
  const s2 = Math.sin(dLon / 2);
  const h = s1 * s1 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * s2 * s2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const D4 = { inputTypes: [T.DOUBLE(), T.DOUBLE(), T.DOUBLE(), T.DOUBLE()], resultType: T.DOUBLE() };

/**
 * Vectorized haversine: one loop over the four Float64Arrays (null slots hold some number and
 * are masked by the ANDed validity, as NumPy would carry NaN), result wrapped without a copy.
 */
export const haversine = vectorizedUdf(
  (lat1: Series, lon1: Series, lat2: Series, lon2: Series) => {
    const n = lat1.length;
    const a = lat1.values as Float64Array;
    const b = lon1.values as Float64Array;
    const c = lat2.values as Float64Array;
    const d = lon2.values as Float64Array;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = haversineKm(a[i]!, b[i]!, c[i]!, d[i]!);
    const bits = [lat1, lon1, lat2, lon2].map((s): BitsAt | null =>
      s.validity ? { bits: s.validity, offset: 0 } : null,
    );
    return new Series(columnFromTypedArray(T.DOUBLE(), out, andValidity(bits, n).bitmap));
  },
  { name: 'haversine', ...D4 },
);
export const haversineRow = udf(
  (lat1: N, lon1: N, lat2: N, lon2: N) =>
    lat1 === null || lon1 === null || lat2 === null || lon2 === null
      ? null
      : haversineKm(lat1, lon1, lat2, lon2),
  { name: 'haversineRow', ...D4 },
);

const S_B = { inputTypes: [T.STRING()], resultType: T.BOOLEAN() };

/** lower(uri) contains 'video': byte-level string kernels. */
export const lowerContains = vectorizedUdf((uri: Series) => uri.str.lower().str.contains('video'), {
  name: 'lowerContains',
  ...S_B,
});
export const lowerContainsRow = udf(
  (uri: string | null) => (uri === null ? null : uri.toLowerCase().includes('video')),
  { name: 'lowerContainsRow', ...S_B },
);

const TS_I = { inputTypes: [T.TIMESTAMP(3)], resultType: T.INT() };
const DAY_MS = 86_400_000;

/** Hour of day (UTC) of a TIMESTAMP(3). */
export const hourOf = vectorizedUdf((ts: Series) => ts.dt.hour(), { name: 'hourOf', ...TS_I });
export const hourOfRow = udf(
  (ms: N) => (ms === null ? null : Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000)),
  { name: 'hourOfRow', ...TS_I },
);

/** Mean of a DOUBLE column per group (nulls skipped), as a vectorized aggregate. */
export const meanOf = vectorizedUdaf((x: Series) => x.mean(), {
  name: 'meanOf',
  inputTypes: [T.DOUBLE()],
  resultType: T.DOUBLE(),
});

/** z-score of `x` over the batch: (x − mean) / std, a DataFrame → DataFrame UDF. */
export const normalize = mapBatches(
  (df: DataFrame) => {
    const x = df.col('x');
    return { z: x.sub(x.mean()).div(x.std()) };
  },
  { name: 'normalize', inputTypes: [T.DOUBLE()], resultType: T.ROW([T.FIELD('z', T.DOUBLE())]) },
);

/** Risk-free rate (per year, continuously compounded) of the option pricer below. */
export const MC_RATE = 0.03;
/** Simulated paths per row (antithetic: half of them mirror the other half's draws). */
export const MC_PATHS = 128;

const seedF64 = new Float64Array(4);
const seedU32 = new Uint32Array(seedF64.buffer);

/**
 * Monte-Carlo price of a European call: `paths` terminal prices of geometric Brownian motion
 * (normals by Box–Muller, each used with both signs), the discounted mean payoff. The generator
 * (xorshift32) is seeded from the bits of the row's own inputs, so a row's price does not depend on
 * its batch or its neighbours, and equal rows get equal prices. A row takes ~3 µs of arithmetic
 * (log, sqrt, cos, sin per four paths, an exp per path): the CPU-heavy UDF of the pool benchmark.
 *
 * @example
 * mcCallPrice(100, 100, 0.2, 1); // 8.85; Black–Scholes says 9.413 (128 paths: a few % off)
 * mcCallPrice(100, 100, 0.2, 1, 400_000); // 9.417
 */
export function mcCallPrice(
  spot: number,
  strike: number,
  vol: number,
  years: number,
  paths = MC_PATHS,
): number {
  seedF64[0] = spot;
  seedF64[1] = strike;
  seedF64[2] = vol;
  seedF64[3] = years;
  let x = 0x9e3779b9;
  for (let k = 0; k < 8; k++) {
    x = Math.imul(x ^ seedU32[k]!, 0x85ebca6b);
    x ^= x >>> 13;
  }
  x = x === 0 ? 1 : x;
  const drift = (MC_RATE - 0.5 * vol * vol) * years;
  const diffusion = vol * Math.sqrt(years);
  let sum = 0;
  for (let p = 0; p < paths; p += 4) {
    // Two uniforms in (0, 1) from xorshift32.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const u1 = ((x >>> 0) + 0.5) / 4294967296;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const u2 = ((x >>> 0) + 0.5) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    const z1 = r * Math.cos(2 * Math.PI * u2);
    const z2 = r * Math.sin(2 * Math.PI * u2);
    sum += Math.max(spot * Math.exp(drift + diffusion * z1) - strike, 0);
    sum += Math.max(spot * Math.exp(drift - diffusion * z1) - strike, 0);
    sum += Math.max(spot * Math.exp(drift + diffusion * z2) - strike, 0);
    sum += Math.max(spot * Math.exp(drift - diffusion * z2) - strike, 0);
  }
  return (Math.exp(-MC_RATE * years) * sum) / (Math.ceil(paths / 4) * 4);
}

/**
 * Vectorized Monte-Carlo call price over (spot, strike, vol, years): the CPU-heavy UDF (~2.8 µs
 * a row, some forty times haversine's ~70 ns on the same four DOUBLE columns: the bytes moved are
 * the same, only the computation differs). Nulls as in haversine.
 */
export const mcCall = vectorizedUdf(
  (spot: Series, strike: Series, vol: Series, years: Series) => {
    const n = spot.length;
    const a = spot.values as Float64Array;
    const b = strike.values as Float64Array;
    const c = vol.values as Float64Array;
    const d = years.values as Float64Array;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = mcCallPrice(a[i]!, b[i]!, c[i]!, d[i]!);
    const bits = [spot, strike, vol, years].map((s): BitsAt | null =>
      s.validity ? { bits: s.validity, offset: 0 } : null,
    );
    return new Series(columnFromTypedArray(T.DOUBLE(), out, andValidity(bits, n).bitmap));
  },
  { name: 'mcCall', ...D4 },
);
export const mcCallRow = udf(
  (spot: N, strike: N, vol: N, years: N) =>
    spot === null || strike === null || vol === null || years === null
      ? null
      : mcCallPrice(spot, strike, vol, years),
  { name: 'mcCallRow', ...D4 },
);
