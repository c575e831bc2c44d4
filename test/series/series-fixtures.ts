/**
 * Test helpers for Series kernels: JS values laid out as Arrow vectors the way IPC decoding and
 * slicing produce them (one chunk, several chunks, chunks sliced at an offset that is not a
 * multiple of 8), and fast-check arbitraries for values with the corner cases.
 */
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { Series } from '../../src/series/series.js';
import type { DataType } from '../../src/types/data-types.js';

/** Chunk boundaries and the padding each chunk is sliced out of. */
export interface Layout {
  readonly cuts: readonly number[];
  readonly pad: number;
}

/** One chunk, no offset. */
export const FLAT: Layout = { cuts: [], pad: 0 };

/** Layouts for a column of `length` rows: up to 3 cuts, and 0–11 padding rows (bit offsets 0–11). */
export const layoutOf = (length: number): fc.Arbitrary<Layout> =>
  fc.record({
    cuts: fc
      .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 3 })
      .map((c) => c.filter((x) => x < length).sort((a, b) => a - b)),
    pad: fc.integer({ min: 0, max: 11 }),
  });

/** The values as a vector of `type` in `layout`, built with the column builders then sliced. */
export function vectorOf(type: DataType, values: readonly unknown[], layout: Layout = FLAT): arrow.Vector {
  const bounds = [0, ...layout.cuts, values.length];
  const chunks: arrow.Data[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const part = values.slice(bounds[k], bounds[k + 1]);
    const b = createColumnBuilder(type, part.length + 2 * layout.pad);
    const filler = part.find((v) => v !== null && v !== undefined) ?? null;
    for (let p = 0; p < layout.pad; p++) b.append(p % 2 === 0 ? filler : null);
    for (const v of part) b.append(v);
    for (let p = 0; p < layout.pad; p++) b.append(filler);
    const v = b.finish();
    chunks.push(...v.slice(layout.pad, layout.pad + part.length).data);
  }
  return new arrow.Vector(chunks);
}

/** A Series of `type` over the values in `layout`. */
export function seriesOf(
  type: DataType,
  values: readonly unknown[],
  layout: Layout = FLAT,
  name = 's',
): Series {
  return new Series(vectorOf(type, values, layout), name, type);
}

/** An array of values, ~1 in 6 null. */
export const withNulls = <T>(a: fc.Arbitrary<T>, maxLength = 70): fc.Arbitrary<(T | null)[]> =>
  fc.array(fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength });

/** Two arrays of the same length. */
export const pairOf = <A, B>(a: fc.Arbitrary<A>, b: fc.Arbitrary<B>, maxLength = 70) =>
  fc.integer({ min: 0, max: maxLength }).chain((n) =>
    fc.tuple(
      fc.array(fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) }), {
        minLength: n,
        maxLength: n,
      }),
      fc.array(fc.oneof({ weight: 5, arbitrary: b }, { weight: 1, arbitrary: fc.constant(null) }), {
        minLength: n,
        maxLength: n,
      }),
    ),
  );

/** Doubles with the IEEE corner cases mixed in. */
export const double = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, 1, -1, 0.5, Number.NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 60), 1e-310),
);

/** float32-representable doubles. */
export const float = double.map(Math.fround);

/** Strings with non-ASCII, astral and whitespace cases. */
export const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(
    '',
    ' ',
    'Video',
    'VIDEO',
    'ÄÖÜ straße',
    'İstanbul',
    '日本語',
    '🙂x🙂',
    '\u00a0 a \u3000',
    'a\u0301',
  ),
);

/** Object.is equality that also treats two NaNs alike (for comparing numbers read back). */
export function same(a: unknown, b: unknown): boolean {
  return (
    Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b))
  );
}
